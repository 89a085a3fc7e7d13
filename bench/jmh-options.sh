# Sourced by the JMH bench scripts with their arguments: sets JMH_ARGS (the default run, or a
# shorter one with --quick) and EXTRA (JMH arguments after --); -h prints the script's lines 2-10.
JMH_ARGS="-f 1 -wi 3 -w 2s -i 5 -r 2s"
EXTRA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) JMH_ARGS="-f 1 -wi 1 -w 1s -i 3 -r 1s"; shift ;;
    --) shift; EXTRA="$*"; break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
