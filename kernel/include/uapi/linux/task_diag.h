/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * task_diag: process information over generic netlink (pstd).
 *
 * This header is the single source of truth for the wire protocol. It is
 * usable from the kernel module and from userspace C (only <linux/types.h>);
 * every struct uses fixed-size types, explicit padding and has no implicit
 * holes. All integers are in host byte order. Sizes given are for x86_64 and
 * are identical on every 64-bit architecture with 8-byte __u64 alignment.
 *
 * Family and commands
 * -------------------
 * Generic netlink family TASK_DIAG_GENL_NAME, version TASK_DIAG_GENL_VERSION.
 * The family header (genl "hdrsize") is struct task_diag_msg: it follows the
 * genl header in BOTH directions. Requests carry it too, all zero (anything
 * else is -EINVAL).
 *
 * TASK_DIAG_CMD_GET (dump only: NLM_F_REQUEST | NLM_F_DUMP)
 *   Request: struct task_diag_msg (zeroed), then attribute
 *   TASK_DIAG_CMD_ATTR_GET whose payload is exactly struct task_diag_pid.
 *   Reply: one or more messages per task (cmd TASK_DIAG_CMD_GET), each
 *   struct task_diag_msg followed by the requested attributes in ascending
 *   attribute id order, then NLMSG_DONE.
 *
 * TASK_DIAG_CMD_GET_INFO (plain request, no NLM_F_DUMP, no attributes)
 *   Reply: one message (cmd TASK_DIAG_CMD_GET_INFO) with struct task_diag_msg
 *   (zeroed) and attribute TASK_DIAG_INFO_ATTR = struct task_diag_info.
 *
 * Attributes of a task message
 * ----------------------------
 * The attribute id of a data group equals its bit number in show_flags
 * (show flag = 1ULL << id). A requested group is missing from a task's
 * messages only when the requester may not see it for that task (see
 * "Visibility"): the client then reads the field from procfs itself. Clients
 * must accept attributes longer than the struct they know (later versions
 * may append fields) and skip attribute ids they do not know.
 *
 * Continuation (CONT rule)
 * ------------------------
 * A task's data is one message. A task that does not fit in what is left of
 * a dump buffer is moved whole to the next buffer; only a task that does not
 * fit in an empty buffer is split: its message carries what fits and has
 * TASK_DIAG_FLAG_CONT set (it is the first and last message of its buffer);
 * the next message of the dump (the first of the next buffer) repeats the
 * same pid/tgid and carries the remaining attributes, starting with the one
 * that was cut. Only VMA and CMDLINE are ever cut inside an attribute: VMA
 * continues with the first mapping that starts at or after the end of the
 * last mapping sent (a mapping split meanwhile is not sent twice); CMDLINE
 * continues at the next byte offset (concatenate all CMDLINE payloads of the
 * task). Every other attribute appears exactly once per task. The sequence
 * always ends with a message of the same pid and tgid without
 * TASK_DIAG_FLAG_CONT. That message carries no attributes when the task
 * exited, exec'ed, had its pid number reused, became invisible, or may no
 * longer have the gated group being continued (VMA) read, between two
 * buffers: the data of one sequence is always from one task and one image,
 * and a cut attribute is never left incomplete in a sequence ending with data.
 * Readers merge consecutive messages of one pid while the previous one had
 * CONT set.
 *
 * Dump order and consistency
 * --------------------------
 * Tasks come in ascending pid order (ALL, CHILDREN: by tgid; ALL_THREAD,
 * THREAD: by thread id), never twice. A dump resumes by pid between buffers,
 * so a task alive for the whole dump is always listed, and tasks created or
 * exiting meanwhile appear at most once.
 *
 * Buffers
 * -------
 * The kernel sizes dump buffers from the reader's recvmsg() sizes (up to
 * 32 KiB); receive with buffers of at least 32 KiB (messages never exceed
 * that). A task message never exceeds one buffer: big tasks are split with
 * TASK_DIAG_FLAG_CONT instead.
 *
 * Errors
 * ------
 * Errors detected when the dump starts arrive as NLMSG_ERROR; errors detected
 * later arrive as NLMSG_DONE whose __s32 payload is -errno. Clients must
 * handle both.
 *   -EINVAL      missing attribute, payload not exactly sizeof(struct
 *                task_diag_pid), unknown flags bits, the family header not
 *                zero,
 *                unknown dump_strategy, unknown show_flags bits, GET
 *                without NLM_F_DUMP
 *   -ESRCH       ONE/THREAD/CHILDREN: no task with that pid in the
 *                requester's pid namespace
 *   -EOPNOTSUPP  TASK_DIAG_VMA_STAT or TASK_DIAG_WCHAN requested (see below)
 *   -ENOMEM, -EINTR (fatal signal while waiting for a task's locks or
 *                scanning pids)
 *
 * Visibility (security)
 * ---------------------
 * At dump start the module captures the requester's pid namespace, user
 * namespace, credentials, thread group and exec id, and the credentials of
 * whoever opened the socket. Every message re-checks its task as it is then,
 * with the task's exec_update_lock held, and takes all its data from the mm
 * it checked. A task or field is returned only if BOTH could read it through
 * procfs, and only where the module can make procfs's decision:
 *  - tasks outside the requester's pid namespace are never listed; all pids
 *    are numbers in that namespace (0 when a related task is outside it);
 *  - uids/gids are mapped into the requester's user namespace (overflowuid
 *    when unmapped; see the last point for a socket opened in another);
 *  - what /proc/PID/stat, status, statm and cmdline show to everyone is
 *    returned to everyone who can see the task (BASE, CRED, STAT, STATM,
 *    CMDLINE, SCHED, TTY, MEM, SIGNAL);
 *  - what procfs gates behind a ptrace read check (VMA = /proc/PID/maps) is
 *    returned when a re-implementation of that check on the captured
 *    credentials passes for both: the requester's own process if it has not
 *    exec'ed since it asked (requester only); or fsuid/fsgid equal to the
 *    task's real, effective and saved uid/gid, the task's permitted
 *    capabilities a subset of the caller's effective ones in the same user
 *    namespace; or CAP_SYS_PTRACE in the task's user namespace; and in every
 *    case a dumpable mm or CAP_SYS_PTRACE in the mm's user namespace.
 *    Capabilities are the module's own walk over the captured credentials
 *    (no LSM capability hook, no audit). LSM ptrace hooks (AppArmor,
 *    SELinux, Smack, Landlock; Yama only restricts attaching) cannot be
 *    consulted: with the LSM framework built in, gated groups are served for
 *    the requester's own process only (task_diag_info.self_only_flags,
 *    TASK_DIAG_POLICY_LSM). Otherwise the attribute is omitted.
 *  - hidepid: tasks that fail that check are invisible (not listed, -ESRCH
 *    for ONE/THREAD/CHILDREN) when any /proc mount of the requester's pid
 *    namespace has hidepid set, when that namespace has no /proc at all, or
 *    when the module parameter hidepid=2 is set (it can only add
 *    strictness). subset=pid hides no task. GET_INFO tells the sender the
 *    policy in force for it.
 *  - a socket opened in another user namespace than the sender's
 *    (file->f_cred of the socket): the request is refused with EPERM unless
 *    the opener's user namespace is the owner of the sender's pid namespace
 *    or an ancestor of it; otherwise the hidepid rule above applies to both
 *    (TASK_DIAG_POLICY_OPENER), and uids/gids are numbers in the opener's
 *    user namespace, the overflow id where the sender's has no mapping.
 */
#ifndef _UAPI_LINUX_TASK_DIAG_H
#define _UAPI_LINUX_TASK_DIAG_H

#include <linux/types.h>

#define TASK_DIAG_GENL_NAME	"TASK_DIAG"
#define TASK_DIAG_GENL_VERSION	1

/* Generic netlink commands. */
enum {
	TASK_DIAG_CMD_UNSPEC = 0,
	TASK_DIAG_CMD_GET = 1,		/* dump tasks */
	TASK_DIAG_CMD_GET_INFO = 2,	/* what this module serves */
	__TASK_DIAG_CMD_MAX,
};
#define TASK_DIAG_CMD_MAX (__TASK_DIAG_CMD_MAX - 1)

/* Request attributes (TASK_DIAG_CMD_GET). */
enum {
	TASK_DIAG_CMD_ATTR_UNSPEC = 0,
	TASK_DIAG_CMD_ATTR_GET = 1,	/* struct task_diag_pid */
	__TASK_DIAG_CMD_ATTR_MAX,
};
#define TASK_DIAG_CMD_ATTR_MAX (__TASK_DIAG_CMD_ATTR_MAX - 1)

/* Dump strategies (task_diag_pid.dump_strategy). */
#define TASK_DIAG_DUMP_ALL		0 /* thread-group leaders (processes) */
#define TASK_DIAG_DUMP_ONE		1 /* the task "pid" (a tid or a tgid) */
#define TASK_DIAG_DUMP_ALL_THREAD	2 /* every thread */
#define TASK_DIAG_DUMP_CHILDREN		3 /* processes whose real parent is process "pid" */
#define TASK_DIAG_DUMP_THREAD		4 /* threads of process "pid" */
#define TASK_DIAG_DUMP_MAX		4

/*
 * Request payload of TASK_DIAG_CMD_ATTR_GET; exactly 24 bytes.
 * pid: in the requester's pid namespace; ignored by ALL and ALL_THREAD.
 *
 * Per-process vs per-thread values: for ALL and CHILDREN, and for ONE when
 * pid is a thread-group id, STAT carries whole-process values like
 * /proc/PID/stat; for ALL_THREAD, THREAD, and ONE with a non-leader tid, it
 * carries the thread's own values like /proc/PID/task/TID/stat, except for
 * thread-group leaders when the request has TASK_DIAG_REQ_LEADER_WHOLE.
 */
struct task_diag_pid {
	__u64	show_flags;	/* OR of TASK_DIAG_SHOW_* */
	__u64	dump_strategy;	/* TASK_DIAG_DUMP_* */
	__u32	pid;
	__u32	flags;		/* TASK_DIAG_REQ_*; other bits: -EINVAL */
};

/*
 * task_diag_pid.flags; task_diag_info.req_flags lists those a module accepts
 * (a module that lists none rejects any).
 *
 * LEADER_WHOLE: in ALL_THREAD and THREAD dumps, a thread-group leader's STAT
 * carries whole-process values like /proc/PID/stat, its other threads' their
 * own: a thread listing such as ps -L prints the leader's row from the
 * process's files, and needs no second dump for it.
 */
#define TASK_DIAG_REQ_LEADER_WHOLE	(1U << 0)
#define TASK_DIAG_REQ_ALL		TASK_DIAG_REQ_LEADER_WHOLE

/*
 * Family header, in requests (all zero) and replies: 12 bytes.
 * pid/tgid: the task's thread id and thread-group id in the requester's pid
 * namespace. flags: TASK_DIAG_FLAG_*.
 */
struct task_diag_msg {
	__u32	pid;
	__u32	tgid;
	__u32	flags;
};

#define TASK_DIAG_FLAG_CONT	(1U << 0) /* the next message continues this task */

/* Data groups: attribute ids of task messages == show_flags bit numbers. */
enum {
	TASK_DIAG_BASE = 0,	/* struct task_diag_base */
	TASK_DIAG_CRED,		/* struct task_diag_creds */
	TASK_DIAG_VMA,		/* packed struct task_diag_vma records (ptrace-gated) */
	TASK_DIAG_VMA_STAT,	/* reserved: -EOPNOTSUPP (needs smaps page walking) */
	TASK_DIAG_STAT,		/* struct task_diag_stat */
	TASK_DIAG_STATM,	/* struct task_diag_statm */
	TASK_DIAG_CMDLINE,	/* raw bytes of /proc/PID/cmdline */
	TASK_DIAG_SCHED,	/* struct task_diag_sched */
	TASK_DIAG_TTY,		/* struct task_diag_tty */
	TASK_DIAG_MEM,		/* struct task_diag_mem */
	TASK_DIAG_SIGNAL,	/* struct task_diag_signal */
	TASK_DIAG_WCHAN,	/* reserved: -EOPNOTSUPP (get_wchan not exported) */
	__TASK_DIAG_ATTR_MAX,
};
#define TASK_DIAG_ATTR_MAX (__TASK_DIAG_ATTR_MAX - 1)

#define TASK_DIAG_SHOW_BASE	(1ULL << TASK_DIAG_BASE)
#define TASK_DIAG_SHOW_CRED	(1ULL << TASK_DIAG_CRED)
#define TASK_DIAG_SHOW_VMA	(1ULL << TASK_DIAG_VMA)
#define TASK_DIAG_SHOW_VMA_STAT	(1ULL << TASK_DIAG_VMA_STAT)
#define TASK_DIAG_SHOW_STAT	(1ULL << TASK_DIAG_STAT)
#define TASK_DIAG_SHOW_STATM	(1ULL << TASK_DIAG_STATM)
#define TASK_DIAG_SHOW_CMDLINE	(1ULL << TASK_DIAG_CMDLINE)
#define TASK_DIAG_SHOW_SCHED	(1ULL << TASK_DIAG_SCHED)
#define TASK_DIAG_SHOW_TTY	(1ULL << TASK_DIAG_TTY)
#define TASK_DIAG_SHOW_MEM	(1ULL << TASK_DIAG_MEM)
#define TASK_DIAG_SHOW_SIGNAL	(1ULL << TASK_DIAG_SIGNAL)
#define TASK_DIAG_SHOW_WCHAN	(1ULL << TASK_DIAG_WCHAN)
/* Every bit the protocol defines; other bits are -EINVAL. */
#define TASK_DIAG_SHOW_ALL	((1ULL << __TASK_DIAG_ATTR_MAX) - 1)

/*
 * Task states (task_diag_base.state): index into TASK_DIAG_STATE_CHARS,
 * which gives the letter of /proc/PID/stat field 3.
 */
enum {
	TASK_DIAG_RUNNING = 0,		/* R */
	TASK_DIAG_INTERRUPTIBLE,	/* S */
	TASK_DIAG_UNINTERRUPTIBLE,	/* D */
	TASK_DIAG_STOPPED,		/* T */
	TASK_DIAG_TRACE_STOP,		/* t */
	TASK_DIAG_DEAD,			/* X */
	TASK_DIAG_ZOMBIE,		/* Z */
	TASK_DIAG_PARKED,		/* P */
	TASK_DIAG_IDLE,			/* I */
};
#define TASK_DIAG_STATE_CHARS	"RSDTtXZPI"

#define TASK_DIAG_COMM_LEN	16

/* task_diag_base.base_flags */
#define TASK_DIAG_BASE_F_KTHREAD	(1U << 0) /* kernel thread (PF_KTHREAD) */
/*
 * Workqueue worker (PF_WQ_WORKER): procfs appends "-<work description>" to
 * such a comm; that text is private to the workqueue code, so comm here is
 * the bare task comm. Read /proc/PID/stat to get procfs's text.
 */
#define TASK_DIAG_BASE_F_WQ_WORKER	(1U << 1)
/*
 * comm may differ from procfs's text: set for workqueue workers and for
 * kernel threads whose comm fills all 15 characters (procfs shows a kernel
 * thread's full name, which is private to the kthread code). Read
 * /proc/PID/stat for procfs's exact text when this matters.
 */
#define TASK_DIAG_BASE_F_COMM_PARTIAL	(1U << 2)

/* TASK_DIAG_BASE: 44 bytes. */
struct task_diag_base {
	__u32	tgid;	/* thread-group id */
	__u32	pid;	/* thread id */
	__u32	ppid;	/* tgid of the real parent (stat field 4) */
	__u32	tpid;	/* pid of the tracing thread, 0 if not traced (status TracerPid) */
	__u32	sid;	/* session id (stat field 6) */
	__u32	pgid;	/* process group id (stat field 5) */
	__u8	state;	/* TASK_DIAG_RUNNING... */
	char	comm[TASK_DIAG_COMM_LEN]; /* NUL-terminated, as stat field 2 */
	__u8	base_flags;	/* TASK_DIAG_BASE_F_* */
	__u8	__pad[2];
};

/* One capability set: bit n of cap[n / 32] is capability n. */
struct task_diag_caps {
	__u32	cap[2];
};

/*
 * TASK_DIAG_CRED: 64 bytes. As /proc/PID/status Cap* and Uid/Gid lines; ids
 * mapped into the requester's user namespace.
 */
struct task_diag_creds {
	struct task_diag_caps	cap_inheritable;
	struct task_diag_caps	cap_permitted;
	struct task_diag_caps	cap_effective;
	struct task_diag_caps	cap_bset;

	__u32	uid;
	__u32	euid;
	__u32	suid;
	__u32	fsuid;
	__u32	gid;
	__u32	egid;
	__u32	sgid;
	__u32	fsgid;
};

/* TASK_DIAG_VMA record flags (task_diag_vma.vm_flags). */
#define TASK_DIAG_VMA_F_READ		(1ULL <<  0) /* maps 'r' */
#define TASK_DIAG_VMA_F_WRITE		(1ULL <<  1) /* maps 'w' */
#define TASK_DIAG_VMA_F_EXEC		(1ULL <<  2) /* maps 'x' */
#define TASK_DIAG_VMA_F_SHARED		(1ULL <<  3)
#define TASK_DIAG_VMA_F_MAYREAD		(1ULL <<  4)
#define TASK_DIAG_VMA_F_MAYWRITE	(1ULL <<  5)
#define TASK_DIAG_VMA_F_MAYEXEC		(1ULL <<  6)
#define TASK_DIAG_VMA_F_MAYSHARE	(1ULL <<  7) /* maps 's' if set, else 'p' */
#define TASK_DIAG_VMA_F_GROWSDOWN	(1ULL <<  8)
#define TASK_DIAG_VMA_F_PFNMAP		(1ULL <<  9)
#define TASK_DIAG_VMA_F_LOCKED		(1ULL << 12)
#define TASK_DIAG_VMA_F_IO		(1ULL << 13)
#define TASK_DIAG_VMA_F_SEQ_READ	(1ULL << 14)
#define TASK_DIAG_VMA_F_RAND_READ	(1ULL << 15)
#define TASK_DIAG_VMA_F_DONTCOPY	(1ULL << 16)
#define TASK_DIAG_VMA_F_DONTEXPAND	(1ULL << 17)
#define TASK_DIAG_VMA_F_ACCOUNT		(1ULL << 18)
#define TASK_DIAG_VMA_F_NORESERVE	(1ULL << 19)
#define TASK_DIAG_VMA_F_HUGETLB		(1ULL << 20)
#define TASK_DIAG_VMA_F_DONTDUMP	(1ULL << 22)
#define TASK_DIAG_VMA_F_MIXEDMAP	(1ULL << 24)
#define TASK_DIAG_VMA_F_HUGEPAGE	(1ULL << 25)
#define TASK_DIAG_VMA_F_NOHUGEPAGE	(1ULL << 26)
#define TASK_DIAG_VMA_F_MERGEABLE	(1ULL << 27)

/*
 * TASK_DIAG_VMA: the attribute payload is a sequence of records, each
 * starting on an 8-byte boundary with this 64-byte header, in ascending
 * start order. An empty payload means the task has no mappings (kernel
 * thread, zombie). One record = one line of /proc/PID/maps:
 *   start-end  flags(r/w/x/MAYSHARE)  pgoff  major:minor  inode  name
 * name: the maps pathname column before escaping (absolute path, with
 * " (deleted)" if unlinked, or "[heap]", "[stack]", "[vdso]", "[vvar]",
 * "[anon:NAME]"...), NUL-terminated; procfs escapes '\n' as "\012".
 * Not included: the "[vsyscall]" gate area procfs prints last (not a VMA of
 * the mm; get_gate_vma is not exported to modules).
 */
struct task_diag_vma {
	__u64	start;		/* first address */
	__u64	end;		/* one past the last address */
	__u64	vm_flags;	/* TASK_DIAG_VMA_F_* */
	__u64	pgoff;		/* file offset in bytes; 0 for anonymous */
	__u32	major;		/* device of the mapped file, 0:0 if none */
	__u32	minor;
	__u64	inode;		/* inode number, 0 if none */
	__u32	generation;	/* always 0 (procfs does not show it) */
	__u16	vma_len;	/* whole record in bytes, multiple of 8 */
	__u16	name_off;	/* name offset from the record start, 0 if none */
	__u16	name_len;	/* name bytes including the NUL, 0 if none */
	__u16	stat_off;	/* always 0 (VMA_STAT unsupported) */
	__u16	stat_len;	/* always 0 */
	__u16	__pad;
};
#define TASK_DIAG_VMA_ALIGN	8

/*
 * TASK_DIAG_STAT: 72 bytes. Fault counts; times in clock ticks (USER_HZ,
 * sysconf(_SC_CLK_TCK)) as /proc/PID/stat fields 10-17; threads as field 20.
 * Whole-process sums (see task_diag_pid) add the live threads' and the
 * exited threads' values; utime/stime are the per-thread adjusted times
 * summed, which may differ from procfs's whole-group adjustment by a tick
 * or so.
 */
struct task_diag_stat {
	__u64	minflt;
	__u64	cminflt;	/* waited-for children */
	__u64	majflt;
	__u64	cmajflt;
	__u64	utime;
	__u64	stime;
	__u64	cutime;
	__u64	cstime;

	__u32	threads;	/* threads in the thread group */
	__u32	__pad;
};

/* TASK_DIAG_STATM: 56 bytes, in pages, as /proc/PID/statm; 0 without mm. */
struct task_diag_statm {
	__u64	size;		/* total program size */
	__u64	resident;
	__u64	shared;		/* file-backed + shmem resident */
	__u64	text;
	__u64	lib;		/* always 0 */
	__u64	data;		/* data + stack */
	__u64	dirty;		/* always 0 */
};

/* TASK_DIAG_SCHED: 48 bytes, per task, as /proc/PID/stat and status. */
struct task_diag_sched {
	__s32	prio;		/* stat field 18 (normal: 20 + nice; RT: -1 - rt_priority) */
	__s32	nice;		/* stat field 19, -20..19 */
	__u32	policy;		/* stat field 41: SCHED_OTHER=0, FIFO=1, RR=2, BATCH=3, IDLE=5, DEADLINE=6 */
	__u32	rt_priority;	/* stat field 40 */
	__u32	processor;	/* stat field 39: CPU last run on */
	__u32	flags;		/* stat field 9: task->flags (PF_*), ps "F" column source */
	__u64	start_time;	/* stat field 22: clock ticks after boot (time namespace applied) */
	__u64	nvcsw;		/* status voluntary_ctxt_switches */
	__u64	nivcsw;		/* status nonvoluntary_ctxt_switches */
};

/*
 * TASK_DIAG_TTY: 8 bytes. Controlling terminal and job control.
 * tty_nr: stat field 7, device number encoded as minor & 0xff |
 * major << 8 | (minor & ~0xff) << 12; 0 when none.
 * tpgid: stat field 8, foreground process group of the terminal in the
 * requester's pid namespace; -1 without a terminal, 0 if none or outside.
 */
struct task_diag_tty {
	__u32	tty_nr;
	__s32	tpgid;
};

/*
 * TASK_DIAG_MEM: 144 bytes. vsize/rss/rsslim as /proc/PID/stat fields
 * 23-25; the vm_* and rss_* fields in kB as the /proc/PID/status lines of
 * the same name. All 0 for tasks without mm (kernel threads, zombies),
 * except rsslim.
 */
struct task_diag_mem {
	__u64	vsize;		/* bytes */
	__u64	rss;		/* pages */
	__u64	rsslim;		/* bytes, RLIMIT_RSS soft limit */
	__u64	vm_peak;	/* VmPeak kB */
	__u64	vm_size;	/* VmSize kB */
	__u64	vm_lck;		/* VmLck kB (ps STAT 'L' when nonzero) */
	__u64	vm_pin;		/* VmPin kB */
	__u64	vm_hwm;		/* VmHWM kB */
	__u64	vm_rss;		/* VmRSS kB */
	__u64	rss_anon;	/* RssAnon kB */
	__u64	rss_file;	/* RssFile kB */
	__u64	rss_shmem;	/* RssShmem kB */
	__u64	vm_data;	/* VmData kB */
	__u64	vm_stk;		/* VmStk kB */
	__u64	vm_exe;		/* VmExe kB */
	__u64	vm_lib;		/* VmLib kB */
	__u64	vm_pte;		/* VmPTE kB */
	__u64	vm_swap;	/* VmSwap kB */
};

/*
 * TASK_DIAG_SIGNAL: 40 bytes. Signal masks as /proc/PID/status: bit n-1 is
 * signal n (signals 1..64).
 */
struct task_diag_signal {
	__u64	pending;	/* SigPnd: pending for this thread */
	__u64	shared_pending;	/* ShdPnd: pending for the thread group */
	__u64	blocked;	/* SigBlk */
	__u64	ignored;	/* SigIgn */
	__u64	caught;		/* SigCgt */
};

/* GET_INFO reply attributes. */
enum {
	TASK_DIAG_INFO_ATTR_UNSPEC = 0,
	TASK_DIAG_INFO_ATTR = 1,	/* struct task_diag_info */
	__TASK_DIAG_INFO_ATTR_MAX,
};
#define TASK_DIAG_INFO_ATTR_MAX (__TASK_DIAG_INFO_ATTR_MAX - 1)

/*
 * TASK_DIAG_INFO_ATTR: 40 bytes (24 before policy fields were added; clients
 * zero-extend a shorter payload). Computed for the sender of GET_INFO, as a
 * dump it would start now.
 */
struct task_diag_info {
	__u32	version;	/* TASK_DIAG_GENL_VERSION of the module */
	__u32	hidepid;	/* in force for this requester: 0 or 2 (see policy) */
	__u64	show_flags;	/* groups this module serves (TASK_DIAG_SHOW_*) */
	__u64	strategies;	/* bit (1ULL << TASK_DIAG_DUMP_x) per strategy served */
	__u64	self_only_flags; /* groups served for the requester's own process only */
	__u32	policy;		/* TASK_DIAG_POLICY_*: why */
	__u32	req_flags;	/* TASK_DIAG_REQ_* accepted in task_diag_pid.flags */
};

/* task_diag_info.policy */
#define TASK_DIAG_POLICY_PARAM		(1U << 0) /* hidepid=2 from the module parameter */
#define TASK_DIAG_POLICY_PROC_MOUNT	(1U << 1) /* hidepid from a /proc mount of the requester's pid namespace */
#define TASK_DIAG_POLICY_NO_PROC	(1U << 2) /* the requester's pid namespace has no /proc: strict */
/*
 * LSM ptrace hooks may deny what the credential rule allows and the module
 * cannot consult them: ptrace-gated groups (self_only_flags) are served for
 * the requester's own process only, and with hidepid in force only that
 * process is listed. Read the rest from procfs.
 */
#define TASK_DIAG_POLICY_LSM		(1U << 3)
/*
 * The socket was opened in another user namespace than the sender's: the
 * strict rule for both (and the request is refused with EPERM unless the
 * opener's user namespace is the owner of the sender's pid namespace or
 * one of its ancestors).
 */
#define TASK_DIAG_POLICY_OPENER		(1U << 4)

#endif /* _UAPI_LINUX_TASK_DIAG_H */
