# genestack-installer preflight: what assets/probe.sh does not gather.
#
# Sent on stdin after the probe (which runs first, in a subshell) and after a function
# gsi_pf_data that prints this host's work list, one item a line (src/preflight/script.ts):
#   become yes|no      whether the deployment uses sudo (profile ssh.become)
#   timeout N          seconds for each TCP connection to a peer
#   crdir PATH         the container runtime's directory (assets/preflight.yaml)
#   name NAME          a profile host name to resolve
#   peer ADDRESS PORT  another host's management address to connect to
#   disk PATH          an OSD disk of this host (/dev/disk/by-id/...)
# The items are data: they arrive in a quoted here-document and are only ever used as quoted
# arguments, never as shell code.
#
# POSIX sh and read-only: nothing here writes to a disk or changes a setting. `wipefs` without
# -a only lists signatures; sudo is used only with -n (never a prompt), and only when the
# deployment itself will use it.
#
# Output: sections "==> gsi:pf-NAME <==" after the probe's, ending with "==> gsi:pf-end <==".
# src/preflight/parse.ts reads this; keep the two in step (PREFLIGHT_SCRIPT_VERSION there).

pf_main() {
  LC_ALL=C
  export LC_ALL
  PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  export PATH

  become=no tmo=3 crdir=/var/lib/containerd
  while read -r kind a b; do
    case $kind in
      become) become=$a ;;
      timeout) tmo=$a ;;
      crdir) crdir=$a ;;
    esac
  done <<EOF
$(gsi_pf_data)
EOF

  pf_sec pf
  echo "version=1"

  # Root needs no sudo; otherwise `sudo -n true` says whether passwordless sudo works.
  pf_sec pf-sudo
  SUDO=
  uid=$(id -u 2>/dev/null)
  echo "uid=$uid"
  if [ "$uid" = 0 ]; then
    echo "mode=root"
  elif [ "$become" != yes ]; then
    echo "mode=off"
  elif ! pf_have sudo; then
    echo "mode=missing"
  elif m=$(pf_t 10 sudo -n true 2>&1 </dev/null); then
    echo "mode=sudo"
    SUDO="sudo -n"
  else
    echo "mode=denied"
    printf 'message=%s\n' "$(printf '%s\n' "$m" | grep -v '^$' | head -n 1)"
  fi

  # The filesystem /tmp lives on (findmnt -T: /tmp itself when it is a mount point).
  pf_sec pf-tmp
  pf_have findmnt && findmnt -n -o TARGET,OPTIONS -T /tmp 2>/dev/null

  # The runtime's directory, or its nearest existing parent before the first deploy.
  pf_sec pf-runtime
  d=$crdir
  while [ ! -e "$d" ] && [ "$d" != / ]; do
    d=${d%/*}
    [ -z "$d" ] && d=/
  done
  echo "path=$d"
  df -Pk "$d" 2>/dev/null | sed -n '2p' | sed 's/^/df=/'

  # One line per name: the name, then every address it resolves to, or "-".
  pf_sec pf-dns
  gsi_pf_data | while read -r kind a b; do
    [ "$kind" = name ] || continue
    r=
    if pf_have getent; then
      r=$(pf_t 5 getent ahosts "$a" 2>/dev/null | while read -r addr rest; do echo "$addr"; done | sort -u | tr '\n' ' ')
    fi
    [ -n "$r" ] || r=-
    echo "$a $r"
  done

  # Every peer at once, each with its own time limit: "ADDRESS PORT open|closed|timeout|untested TOOL".
  pf_sec pf-peers
  gsi_pf_data | {
    while read -r kind a b; do
      [ "$kind" = peer ] || continue
      (pf_reach "$a" "$b" </dev/null) &
    done
    wait
  }

  # Each OSD disk: where its stable path leads, lsblk of it (children included) and the
  # signatures wipefs finds on it, read with sudo when the deployment uses sudo.
  i=0
  gsi_pf_data | while read -r kind a b; do
    [ "$kind" = disk ] || continue
    pf_sec "pf-disk-$i"
    echo "path=$a"
    if [ -d /run/udev/data ]; then echo "udev=yes"; else echo "udev=no"; fi
    if [ -z "$SUDO" ] && [ "$uid" != 0 ]; then echo "privileged=no"; else echo "privileged=yes"; fi
    if [ -e "$a" ]; then
      real=$(readlink -f "$a" 2>/dev/null)
      echo "exists=yes"
      echo "real=$real"
      pf_sec "pf-disk-$i-lsblk"
      $SUDO lsblk -J -b -o NAME,PATH,TYPE,SIZE,SERIAL,WWN,FSTYPE,PTTYPE,MOUNTPOINT "$real" 2>/dev/null </dev/null
      pf_sec "pf-disk-$i-wipefs"
      if pf_have wipefs; then
        $SUDO wipefs -n -p -i "$real" 2>&1 </dev/null
        echo "exit=$?"
      else
        echo "exit=missing"
      fi
    else
      echo "exists=no"
    fi
    i=$((i + 1))
  done

  pf_sec pf-end
}

pf_sec() { echo "==> gsi:$1 <=="; }
pf_have() { command -v "$1" >/dev/null 2>&1; }
pf_t() {
  s=$1
  shift
  if pf_have timeout; then timeout "$s" "$@"; else "$@"; fi
}

# pf_reach ADDRESS PORT: bash's /dev/tcp (Ubuntu's bash has it), else nc, else python3. The
# address and port are arguments of the inner shell, never part of its script.
pf_reach() {
  r=untested
  tool=none
  if pf_have bash && pf_have timeout; then
    tool=bash
    timeout "$tmo" bash -c 'exec 3<>"/dev/tcp/$1/$2"' gsi "$1" "$2" >/dev/null 2>&1
    rc=$?
  elif pf_have nc; then
    tool=nc
    nc -z -w "$tmo" "$1" "$2" >/dev/null 2>&1
    rc=$?
  elif pf_have python3; then
    tool=python3
    python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), float(sys.argv[3])).close()' "$1" "$2" "$tmo" >/dev/null 2>&1
    rc=$?
  fi
  if [ "$tool" != none ]; then
    case $rc in
      0) r=open ;;
      124) r=timeout ;;
      *) r=closed ;;
    esac
  fi
  echo "$1 $2 $r $tool"
}

pf_main </dev/null
exit 0
