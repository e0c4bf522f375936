#!/bin/busybox sh
# /init of the pstd test initramfs (busybox).  See tests/vm/README.md.
#
# The host shares two 9p folders:  "hostroot" = host / (read-only) and
# "job" = the per-run job folder (read-write).  The job folder holds:
#   env      shell variables: JOB (host path of the job folder), KO (module
#            file name inside the job folder, empty = none), TMP_TMPFS (0 = keep
#            the overlay's /tmp)
#   open-dirs  directories to make traversable for all users (one a line)
#   cmd.sh   the command to run (written by tests/vm/run)
# and receives: stdout, stderr, status (exit status of cmd.sh), dmesg.
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fatal() {
    echo "pstd-init: FATAL: $*" >/dev/console
    [ -d /job ] && echo "pstd-init: FATAL: $*" >>/job/stderr 2>/dev/null
    poweroff -f
}

for m in $(cat /lib/modules/load-order); do
    insmod /lib/modules/$m || fatal "insmod $m"
done

mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap job /job || fatal "mount job"
. /job/env

mkdir -p /mnt/lower /mnt/rw /mnt/root
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /mnt/lower \
    || fatal "mount hostroot"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /mnt/root \
    || fatal "mount overlay"
R=/mnt/root
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
# A fresh /tmp, unless the checkout or cache lives under the host's /tmp (then the overlay's /tmp
# is used: the host's files show through, writes stay in the guest).
[ "$TMP_TMPFS" = 0 ] || mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=0755 tmpfs $R/run
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mkdir -p "$R$JOB"
mount --bind /job "$R$JOB" || fatal "bind job"
hostname pstd-vm
while read -r d; do
    [ -n "$d" ] && chmod o+x "$R$d"
done </job/open-dirs

# Everything the kernel logs from now on reaches the console.
echo 8 >/proc/sys/kernel/printk
echo "pstd-init: userspace ready" >/dev/console

if [ -n "$KO" ]; then
    if ! insmod "/job/$KO" >>/job/stderr 2>&1; then
        echo "pstd-vm: insmod $KO failed" >>/job/stderr
        echo 1 >/job/status
        dmesg >/job/dmesg
        poweroff -f
    fi
    echo "pstd-init: loaded $KO" >/dev/console
fi

env -i /bin/chroot $R /bin/sh "$JOB/cmd.sh" </dev/null >>/job/stdout 2>>/job/stderr
rc=$?
echo "pstd-init: command exited with status $rc" >/dev/console
echo $rc >/job/status.tmp && mv /job/status.tmp /job/status
dmesg >/job/dmesg
sync
poweroff -f
