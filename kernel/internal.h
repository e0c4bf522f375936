/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task_diag module: declarations shared by the module's files.
 *
 *   main.c      family registration, GET_INFO, module parameters
 *   dump.c      GET dumps: request checks, strategies, resumable iteration,
 *               per-task messages and the CONT rule
 *   fill.c      fixed-size data groups (BASE, CRED, STAT, STATM, SCHED, TTY,
 *               MEM, SIGNAL)
 *   vma.c       VMA group (variable-length, resumable)
 *   cmdline.c   CMDLINE group (variable-length, resumable)
 *   security.c  credentials captured at dump start and the visibility rules
 *   policy.c    the /proc mounts of a pid namespace (hidepid), cached
 */
#ifndef TASK_DIAG_INTERNAL_H
#define TASK_DIAG_INTERNAL_H

#include <linux/types.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <net/genetlink.h>

#include "include/uapi/linux/task_diag.h"

/* Groups this module serves (TASK_DIAG_GET_INFO reports this mask). */
#define TD_SERVED_GROUPS (TASK_DIAG_SHOW_BASE | TASK_DIAG_SHOW_CRED |	\
			  TASK_DIAG_SHOW_VMA | TASK_DIAG_SHOW_STAT |	\
			  TASK_DIAG_SHOW_STATM | TASK_DIAG_SHOW_CMDLINE |	\
			  TASK_DIAG_SHOW_SCHED | TASK_DIAG_SHOW_TTY |	\
			  TASK_DIAG_SHOW_MEM | TASK_DIAG_SHOW_SIGNAL)
/* Groups procfs gates behind a ptrace read check. */
#define TD_GATED_GROUPS (TASK_DIAG_SHOW_VMA)

/*
 * LSM ptrace hooks (AppArmor, SELinux, Smack, Landlock...) may deny what the
 * credential rule allows, and modules cannot call them. With the LSM
 * framework built in, gated groups are served for the requester's own
 * process only (procfs allows that before asking any LSM).
 */
#define TD_LSM_PTRACE IS_ENABLED(CONFIG_SECURITY)

#define TD_SERVED_STRATEGIES ((1ULL << TASK_DIAG_DUMP_ALL) |		\
			      (1ULL << TASK_DIAG_DUMP_ONE) |		\
			      (1ULL << TASK_DIAG_DUMP_ALL_THREAD) |	\
			      (1ULL << TASK_DIAG_DUMP_CHILDREN) |	\
			      (1ULL << TASK_DIAG_DUMP_THREAD))

extern struct genl_family td_family;
extern int td_hidepid;

/*
 * Who asks: captured once when a dump starts (security.c), in the sender's
 * sendmsg(). Replies are produced in whoever calls recvmsg() later, so
 * nothing looks at "current" after this.
 */
struct td_viewer {
	const struct cred *req_cred;	/* requester (sender of the request) */
	const struct cred *open_cred;	/* whoever opened the socket */
	struct pid *req_tgid;		/* requester's thread group */
	u64 req_exec_id;		/* its self_exec_id when it asked */
	struct pid_namespace *pid_ns;	/* requester's pid namespace */
	u64 boottime_off;		/* requester's time-namespace boottime offset (ns) */
	u32 hidepid;			/* 0 or 2: the policy in force (see td_policy) */
	u32 policy;			/* TASK_DIAG_POLICY_* */
};

int td_viewer_capture(struct td_viewer *v, struct sk_buff *req_skb);
void td_viewer_release(struct td_viewer *v);
/*
 * The policy for the current task as requester on the socket of req_skb:
 * sets v->hidepid and v->policy; -EPERM when the socket's opener may not
 * see the requester's pid namespace at all.
 */
int td_policy(struct td_viewer *v, struct sk_buff *req_skb);
/* Read the policy of the viewer's pid namespace again; only ever stricter. */
void td_policy_recheck(struct td_viewer *v);
/*
 * The /proc mounts of pid namespace ns (policy.c): *found when it has any,
 * *hide when any of them has hidepid set.
 */
void td_proc_policy(struct pid_namespace *ns, bool *found, bool *hide);
int td_proc_policy_init(void);
void td_proc_policy_exit(void);

/*
 * A task pinned for filling one message: its exec_update_lock held for
 * reading, so neither its mm nor its exec-time credentials can change, and
 * the mm taken under it. Permission checks and all data of the message use
 * this mm only.
 */
struct td_pinned {
	struct task_struct *task;
	struct mm_struct *mm;		/* NULL: no mm (kernel thread, exited) */
	u64 exec_id;			/* task->self_exec_id under the lock */
};

int td_pin(struct td_pinned *p, struct task_struct *task);
void td_unpin(struct td_pinned *p);
/* Could both the requester and the socket opener read this task's ptrace-gated files? */
bool td_may_inspect(const struct td_viewer *v, const struct td_pinned *p);
/* May the viewer see this task at all (pid namespace, hidepid)? */
bool td_task_visible(const struct td_viewer *v, const struct td_pinned *p);

/* Per-task context for the group fillers. */
struct td_task_ctx {
	struct task_struct *task;
	struct mm_struct *mm;	/* the pinned mm, NULL if none */
	const struct td_viewer *v;
	bool whole;		/* whole-process values (see task_diag_pid) */
	u32 nr, tgid;		/* the ids in the message header, read once */
};

/* Fixed-size groups (fill.c): 0 or -EMSGSIZE. */
int td_fill_base(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_creds(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_stat(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_statm(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_sched(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_tty(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_mem(struct sk_buff *skb, const struct td_task_ctx *c);
int td_fill_signal(struct sk_buff *skb, const struct td_task_ctx *c);

/*
 * Variable-length groups: 0 when complete; -EMSGSIZE when the buffer is full
 * (*partial tells whether an attribute with some data was added, *pos is
 * where to resume); other negative errno on failure.
 */
int td_fill_vma(struct sk_buff *skb, const struct td_task_ctx *c,
		unsigned long *pos, bool *partial);
int td_fill_cmdline(struct sk_buff *skb, const struct td_task_ctx *c,
		    unsigned long *pos, bool *partial);

/* 0, or -EINVAL when the request's family header is not all zero (main.c). */
int td_check_family_header(const struct nlmsghdr *nlh);

/* Doit / dump handlers (dump.c). */
int td_get_doit(struct sk_buff *skb, struct genl_info *info);
int td_dump_start(struct netlink_callback *cb);
int td_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int td_dump_done(struct netlink_callback *cb);

/* Largest attribute payload netlink can describe (nla_len is 16 bits). */
#define TD_NLA_MAX_PAYLOAD (U16_MAX - NLA_HDRLEN - 8)

/* Room left for attribute payload in the skb, capped to one attribute. */
static inline unsigned int td_payload_room(const struct sk_buff *skb)
{
	int room = skb_tailroom(skb) - NLA_HDRLEN;

	if (room <= 0)
		return 0;
	if (room > TD_NLA_MAX_PAYLOAD)
		room = TD_NLA_MAX_PAYLOAD;
	return room & ~3U;
}

/* Finish a hand-built attribute: set its length and pad it to 4 bytes. */
static inline void td_attr_end(struct sk_buff *skb, struct nlattr *attr)
{
	unsigned int len = skb_tail_pointer(skb) - (unsigned char *)attr;

	attr->nla_len = len;
	if (NLA_ALIGN(len) != len)
		skb_put_zero(skb, NLA_ALIGN(len) - len);
}

/*
 * Run fn with the task's siglock held, as the kernel's lock_task_sighand
 * (not exported) would; false when the task has no sighand left (reaped).
 */
bool td_with_sighand(struct task_struct *task,
		     void (*fn)(struct task_struct *task,
				struct sighand_struct *sh, void *arg),
		     void *arg);

#endif /* TASK_DIAG_INTERNAL_H */
