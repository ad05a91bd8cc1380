#!/bin/sh
# Sets up one container's view of the filesystem, then becomes the container's
# process. Runs as the first step inside the container's own mount and UTS
# namespaces (`unshare --mount --uts --propagation private`), in the pod's
# network namespace, so nothing here is visible outside the container.
#
#   container-init.sh HOSTNAME WORKDIR SPEC... -- COMMAND [ARG...]
#   SPEC: overlay LOWER UPPER WORK TARGET   an image layer, copy-on-write
#         bind SOURCE TARGET ro|rw          a volume
set -eu
container_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin

hostname "$1"
workdir=$2
shift 2
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    overlay)
      mkdir -p "$5"
      mount -t overlay overlay -o "lowerdir=$2,upperdir=$3,workdir=$4" "$5"
      shift 5
      ;;
    bind)
      if [ -d "$2" ]; then mkdir -p "$3"; elif [ ! -e "$3" ]; then mkdir -p "$(dirname "$3")"; : >"$3"; fi
      mount --bind "$2" "$3"
      if [ "$4" = ro ]; then mount -o remount,bind,ro "$3"; fi
      shift 4
      ;;
    *)
      echo "container-init: unknown mount spec '$1'" >&2
      exit 126
      ;;
  esac
done
[ "$#" -gt 0 ] && shift
[ "$#" -gt 0 ] || { echo "container-init: no command (the image has no ENTRYPOINT/CMD and the container sets none)" >&2; exit 126; }
mkdir -p "$workdir"
cd "$workdir"
PATH=$container_path
exec "$@"
