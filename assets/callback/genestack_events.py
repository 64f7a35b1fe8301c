# -*- coding: utf-8 -*-
# Ansible callback plugin shipped by genestack-installer.
#
# Writes one JSON object per line to the file named by GENESTACK_EVENTS_FILE: playbook, play
# and task starts, every host's result, and the final stats. The installer's engine reads these
# lines and turns them into journal events (src/journal/ansibleEvents.ts). Stdout is left to
# the stdout callback, so the phase log stays what an operator would see by hand.
#
# Enabled with:
#   ANSIBLE_CALLBACK_PLUGINS=<dir holding this file>
#   ANSIBLE_CALLBACKS_ENABLED=genestack_events
#   GENESTACK_EVENTS_FILE=<path>
#
# Works with ansible-core 2.14 (Debian 12) and later. Callbacks run in the controller's main
# process only, so lines from one run never interleave.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: genestack_events
    type: aggregate
    short_description: JSON lines of playbook events for genestack-installer
    description:
      - Appends one JSON object per line to the file named by GENESTACK_EVENTS_FILE.
    requirements:
      - GENESTACK_EVENTS_FILE set in the environment (without it the plugin does nothing)
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase

# Schema of the lines; bump when a field changes meaning.
EVENTS_VERSION = 1
MAX_MSG = 2048
MAX_STDERR = 4096


def _text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    if not isinstance(value, str):
        try:
            value = json.dumps(value, default=str, ensure_ascii=False)
        except Exception:
            value = str(value)
    return value


def _head(value, limit):
    value = _text(value)
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + u'\u2026[%d more characters]' % (len(value) - limit)


def _tail(value, limit):
    # The end of stderr is where the error is.
    value = _text(value)
    if value is None or len(value) <= limit:
        return value
    return u'[%d characters before]\u2026' % (len(value) - limit) + value[-limit:]


def _failure_detail(res):
    """(msg, stderr) of a failed or unreachable result, looking into loop items if needed."""
    if res.get('censored'):
        return res.get('censored'), None
    msg = res.get('msg')
    stderr = res.get('stderr') or res.get('module_stderr') or None
    if not stderr and res.get('exception'):
        stderr = res.get('exception')
    items = res.get('results')
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get('failed'):
                if item.get('censored'):
                    return item.get('censored'), None
                item_msg = item.get('msg')
                label = item.get('_ansible_item_label', item.get('item'))
                if item_msg:
                    msg = u'%s (item %s)' % (_text(item_msg), _head(label, 200))
                stderr = stderr or item.get('stderr') or item.get('module_stderr')
                break
    if not msg and res.get('rc') is not None:
        msg = u'non-zero return code %s' % res.get('rc')
    if not msg and res.get('module_stdout'):
        msg = res.get('module_stdout')
    return msg, stderr


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'genestack_events'
    CALLBACK_NEEDS_ENABLED = True
    CALLBACK_NEEDS_WHITELIST = True  # the name before ansible-core 2.11

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._out = None
        self._play = u''
        self._task_index = 0
        path = os.environ.get('GENESTACK_EVENTS_FILE')
        if path:
            # Line-buffered append: each event reaches the file as soon as it happens.
            self._out = open(path, 'a', buffering=1, encoding='utf-8')

    def _emit(self, event, **fields):
        if self._out is None:
            return
        record = {'v': EVENTS_VERSION, 'event': event, 'time': round(time.time(), 3)}
        for key, value in fields.items():
            if value is not None:
                record[key] = value
        self._out.write(json.dumps(record, ensure_ascii=False, default=str) + u'\n')
        self._out.flush()

    # ---- playbook, play, task -------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        name = getattr(playbook, '_file_name', None)
        self._emit('playbook_start', playbook=_text(name))

    def v2_playbook_on_play_start(self, play):
        self._play = _text(play.get_name()).strip()
        self._emit('play_start', name=self._play, hosts=self._play_hosts(play))

    def _play_hosts(self, play):
        # The hosts the play targets (after --limit), when the pattern needs no templating.
        try:
            pattern = play.hosts
            if not pattern or '{{' in _text(pattern):
                return None
            inventory = play._variable_manager._inventory
            return [h.get_name() for h in inventory.get_hosts(pattern)]
        except Exception:
            return None

    def _task_start(self, task, handler):
        self._task_index += 1
        self._emit(
            'task_start',
            play=self._play,
            task=_text(task.get_name()).strip(),
            action=_text(task.action),
            task_index=self._task_index,
            handler=handler or None,
        )

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def v2_playbook_on_no_hosts_matched(self):
        self._emit('warning', message=u'no hosts matched in play "%s"' % self._play)

    # ---- host results ---------------------------------------------------------------------

    def _result(self, result, status, ignored=False):
        res = result._result if isinstance(result._result, dict) else {}
        fields = {
            'host': _text(result._host.get_name()),
            'task': _text(result._task.get_name()).strip(),
            'status': status,
        }
        if status in ('failed', 'unreachable'):
            msg, stderr = _failure_detail(res)
            fields['msg'] = _head(msg, MAX_MSG)
            fields['stderr'] = _tail(stderr, MAX_STDERR) or None
            if res.get('rc') is not None:
                fields['rc'] = res.get('rc')
            if ignored:
                # Ansible counts an ignored failure as ok (and changed, if it changed).
                fields['ignored'] = True
                if res.get('changed'):
                    fields['changed'] = True
        elif status == 'skipped' and res.get('skip_reason'):
            fields['msg'] = _head(res.get('skip_reason'), MAX_MSG)
        delegated = result._result.get('_ansible_delegated_vars') if isinstance(result._result, dict) else None
        if delegated and delegated.get('ansible_host'):
            fields['delegated_to'] = _text(delegated.get('ansible_host'))
        self._emit('host_result', **fields)

    def v2_runner_on_ok(self, result):
        changed = isinstance(result._result, dict) and bool(result._result.get('changed', False))
        self._result(result, 'changed' if changed else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed', ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    # ---- the end --------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            hosts[_text(host)] = dict((k, int(v)) for k, v in summary.items())
        self._emit('stats', hosts=hosts)
        if self._out is not None:
            self._out.flush()
