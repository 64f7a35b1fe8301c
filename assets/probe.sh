# genestack-installer hardware probe.
#
# Run on a target as `ssh HOST sh -s` with this text on stdin (or locally as `sh -s`).
# POSIX sh, read-only, needs neither root nor Python nor an agent. Every command is guarded:
# a missing tool or an unreadable file gives an empty section, never a failure.
#
# Output: sections, each introduced by a line "==> gsi:NAME <==". The last line is
# "==> gsi:end <==", so a truncated output can be told from a short one.
# src/discovery/parse.ts reads this; keep the two in step (PROBE_VERSION there).
#
# Everything runs inside main() with stdin from /dev/null: sh is still reading the rest of
# this script from stdin, and no command may swallow it.

main() {
  LC_ALL=C
  export LC_ALL
  PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  export PATH

  sec probe
  echo "version=1"
  # The shell's own Uid line (real, effective, ...), read without a fork.
  while read -r k v rest; do
    [ "$k" = "Uid:" ] && echo "uid=$v" && break
  done 2>/dev/null </proc/self/status
  if [ -d /run/udev/data ]; then echo "udev=yes"; else echo "udev=no"; fi

  # One line: nodename release machine (none of the three contains a space).
  sec uname
  uname -n -r -m 2>/dev/null

  sec os-release
  show /etc/os-release || show /usr/lib/os-release

  # hostname -f asks the resolver, which can hang for long on a host with a dead DNS server.
  sec fqdn
  t 3 hostname -f 2>/dev/null

  # lscpu has sockets, cores, threads and flags in one call; without it, the first
  # processor's block of cpuinfo (a 256-thread host's full cpuinfo is hundreds of kB) and
  # the topology lines.
  c=
  have lscpu && c=$(lscpu -J 2>/dev/null)
  if [ -n "$c" ]; then
    sec lscpu
    echo "$c"
  else
    sec cpuinfo
    sed -n '1,/^$/p' /proc/cpuinfo 2>/dev/null
    sec cpu-topology
    grep -E '^(processor|physical id|core id)[[:space:]]*:' /proc/cpuinfo 2>/dev/null
  fi

  sec meminfo
  show /proc/meminfo

  # Only the columns discovery reads (cheaper than -O). MOUNTPOINTS and PATH need
  # util-linux 2.37 and 2.33; older releases get the lists after it.
  sec lsblk
  lsblk -J -b -o NAME,KNAME,PKNAME,PATH,TYPE,SIZE,ROTA,RM,RO,MODEL,SERIAL,WWN,TRAN,FSTYPE,PTTYPE,LABEL,MOUNTPOINTS 2>/dev/null ||
    lsblk -J -b -o NAME,KNAME,PKNAME,TYPE,SIZE,ROTA,RM,RO,MODEL,SERIAL,WWN,TRAN,FSTYPE,PTTYPE,LABEL,MOUNTPOINT 2>/dev/null ||
    lsblk -J -b -o NAME,TYPE,SIZE,ROTA,RM,RO,MODEL,FSTYPE,MOUNTPOINT 2>/dev/null

  # One `ls` for every link (a readlink per link would be a fork each).
  sec by-id
  [ -d /dev/disk/by-id ] && ls -l /dev/disk/by-id 2>/dev/null

  sec mounts
  show /proc/mounts

  sec ip-addr
  have ip && ip -j -d addr show 2>/dev/null

  # Default routes of the main table, from /proc (no fork): the same table `ip route` shows.
  sec route4
  while read -r ifc dst gw fl rest; do
    [ "$dst" = 00000000 ] && echo "$ifc $dst $gw $fl $rest"
  done 2>/dev/null </proc/net/route

  sec route6
  while IFS= read -r l; do
    case $l in "00000000000000000000000000000000 00 "*) printf '%s\n' "$l" ;; esac
  done 2>/dev/null </proc/net/ipv6_route

  # One line per interface from sysfs: speed (ip does not report it), whether it is a
  # physical device, and a fallback when ip has no JSON output. `read` is a builtin: no fork.
  sec net-sys
  for d in /sys/class/net/*; do
    [ -e "$d" ] || continue
    sp= mtu= st= mac= m=
    read -r sp 2>/dev/null <"$d/speed"
    read -r mtu 2>/dev/null <"$d/mtu"
    read -r st 2>/dev/null <"$d/operstate"
    read -r mac 2>/dev/null <"$d/address"
    [ -L "$d/master" ] && m=$(readlink "$d/master" 2>/dev/null) && m=${m##*/}
    p=no
    [ -e "$d/device" ] && p=yes
    echo "${d##*/} speed=$sp mtu=$mtu operstate=$st address=$mac master=$m physical=$p"
  done

  # timedatectl reports the kernel's synchronised flag whatever the NTP daemon is; it needs
  # systemd as init (the sd_booted() test), otherwise chrony's own view.
  ts=
  [ -d /run/systemd/system ] && have timedatectl && ts=$(t 3 timedatectl show 2>/dev/null)
  if [ -n "$ts" ]; then
    sec timedatectl
    echo "$ts"
  elif have chronyc; then
    sec chrony
    t 3 chronyc -n tracking 2>/dev/null
  fi

  sec kvm
  if [ -e /dev/kvm ]; then echo "present=yes"; else echo "present=no"; fi

  sec modules
  for mod in br_netfilter kvm kvm_intel kvm_amd; do
    if [ -d "/sys/module/$mod" ]; then echo "$mod=yes"; else echo "$mod=no"; fi
  done

  sec df
  df -Pk / /var/lib /tmp 2>/dev/null

  sec dmi
  for k in sys_vendor product_name; do
    v=
    read -r v 2>/dev/null <"/sys/class/dmi/id/$k"
    echo "$k=$v"
  done

  sec end
}

sec() { echo "==> gsi:$1 <=="; }
have() { command -v "$1" >/dev/null 2>&1; }
# show FILE: print a small file with shell builtins only (no fork).
show() {
  [ -r "$1" ] || return 1
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done <"$1"
}
# t SECONDS CMD...: run with a time limit when coreutils timeout exists.
t() {
  s=$1
  shift
  if have timeout; then timeout "$s" "$@"; else "$@"; fi
}

main </dev/null
exit 0
