// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: who is asking, and what they may see.
 *
 * Netlink replies are produced in whatever process calls recvmsg(), so no
 * check here looks at "current" after the dump has started. The dump's
 * .start (which runs in the sender's sendmsg()) captures the requester's
 * credentials, thread group and exec id, pid namespace and time namespace
 * boottime offset, the credentials of whoever opened the socket
 * (file->f_cred), and the policy in force for this requester (td_policy;
 * read again for every buffer by td_policy_recheck, only ever stricter).
 *
 * Every message re-checks the task as it is then (td_pin): the task's
 * exec_update_lock is held for reading, as procfs's mm_access() does, so
 * the credentials an exec installs, the mm it installs and the exec id
 * cannot change between the check and the data, and all data of the
 * message comes from that one mm.
 *
 * A ptrace-gated field is returned only if BOTH the requester and the
 * opener pass td_cred_may_inspect() (ptrace_may_access() is not exported):
 *   - the requester's own process, as long as it has not exec'ed since it
 *     asked (same thread group and self_exec_id), is allowed; the opener's
 *     process is unknown, so it always goes through the full rule;
 *   - else the caller's fsuid must equal the task's uid, euid and suid, its
 *     fsgid the task's gid, egid and sgid, and the task's permitted
 *     capabilities must be a subset of the caller's effective ones within
 *     the same user namespace; or the caller has CAP_SYS_PTRACE in the
 *     task's user namespace;
 *   - and the pinned mm must be dumpable (SUID_DUMP_USER), or the caller
 *     has CAP_SYS_PTRACE in the mm's user namespace; a task without mm
 *     requires CAP_SYS_PTRACE in the initial user namespace.
 * Capabilities are evaluated from the captured credentials with the same
 * namespace walk as the kernel's capability code (no LSM, no audit). LSM
 * ptrace hooks cannot be consulted: with the LSM framework built in
 * (TD_LSM_PTRACE), only the requester's own process passes, for gated
 * fields and for hidepid visibility alike.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/rwsem.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/time_namespace.h>
#include <linux/user_namespace.h>
#include <linux/version.h>
#include <net/sock.h>

#include "internal.h"

/* Does cred have capability cap in user namespace ns? (no LSM, no audit) */
static bool td_cred_capable(const struct cred *cred,
			    struct user_namespace *ns, int cap)
{
	for (;;) {
		if (ns == cred->user_ns)
			return cap_raised(cred->cap_effective, cap);
		if (ns->level <= cred->user_ns->level)
			return false;
		/* The owner of a child namespace has every capability in it. */
		if (ns->parent == cred->user_ns && uid_eq(ns->owner, cred->euid))
			return true;
		ns = ns->parent;
	}
}

static bool td_cred_may_inspect(const struct cred *cred,
				const struct td_pinned *p)
{
	const struct cred *tcred;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(p->task);
	ok = uid_eq(cred->fsuid, tcred->uid) &&
	     uid_eq(cred->fsuid, tcred->euid) &&
	     uid_eq(cred->fsuid, tcred->suid) &&
	     gid_eq(cred->fsgid, tcred->gid) &&
	     gid_eq(cred->fsgid, tcred->egid) &&
	     gid_eq(cred->fsgid, tcred->sgid) &&
	     cred->user_ns == tcred->user_ns &&
	     cap_issubset(tcred->cap_permitted, cred->cap_effective);
	if (!ok)
		ok = td_cred_capable(cred, tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;

	/* The pinned mm: the one whose data this message carries. */
	if (p->mm)
		return get_dumpable(p->mm) == SUID_DUMP_USER ||
		       td_cred_capable(cred, p->mm->user_ns, CAP_SYS_PTRACE);
	return td_cred_capable(cred, &init_user_ns, CAP_SYS_PTRACE);
}

/* The requester's own process, as it was when it asked (no exec since). */
static bool td_is_requester(const struct td_viewer *v,
			    const struct td_pinned *p)
{
	return task_tgid(p->task) == v->req_tgid &&
	       p->exec_id == v->req_exec_id;
}

bool td_may_inspect(const struct td_viewer *v, const struct td_pinned *p)
{
	bool self = td_is_requester(v, p);

	if (TD_LSM_PTRACE && !self)
		return false;
	if (!self && !td_cred_may_inspect(v->req_cred, p))
		return false;
	/* Even when it is the requester's credentials pointer: no shortcut. */
	return td_cred_may_inspect(v->open_cred, p);
}

bool td_task_visible(const struct td_viewer *v, const struct td_pinned *p)
{
	if (!task_pid_nr_ns(p->task, v->pid_ns))
		return false;
	if (v->hidepid >= 2 && !td_may_inspect(v, p))
		return false;
	return true;
}

int td_pin(struct td_pinned *p, struct task_struct *task)
{
	int ret;

	p->task = task;
	p->mm = NULL;
	/* An exec holds it for writing from its new mm to its new creds. */
	ret = down_read_killable(&task->signal->exec_update_lock);
	if (ret)
		return ret;
	p->mm = get_task_mm(task);
	p->exec_id = READ_ONCE(task->self_exec_id);
	return 0;
}

void td_unpin(struct td_pinned *p)
{
	if (p->mm)
		mmput(p->mm);
	p->mm = NULL;
	up_read(&p->task->signal->exec_update_lock);
}

/*
 * The hidepid policy for a requester in pid namespace ns: the strictest of
 * the namespace's /proc mounts wins (policy.c); a namespace without /proc
 * gets the strict rule. subset=pid hides no task (it hides the files that
 * are not about a task), so it does not change what is served here. The
 * gid= exemption of a mount is not honoured (stricter).
 */
static void td_policy_ns(struct td_viewer *v, struct pid_namespace *ns)
{
	bool found, hide;

	v->policy = 0;
	v->hidepid = 0;
	td_proc_policy(ns, &found, &hide);
	if (!found) {
		v->policy |= TASK_DIAG_POLICY_NO_PROC;
		v->hidepid = 2;
	} else if (hide) {
		v->policy |= TASK_DIAG_POLICY_PROC_MOUNT;
		v->hidepid = 2;
	}
	if (READ_ONCE(td_hidepid) >= 2) {
		v->policy |= TASK_DIAG_POLICY_PARAM;
		v->hidepid = 2;
	}
	if (TD_LSM_PTRACE)
		v->policy |= TASK_DIAG_POLICY_LSM;
}

/* Is ancestor the user namespace child or one of its ancestors? */
static bool td_userns_covers(const struct user_namespace *ancestor,
			     const struct user_namespace *child)
{
	while (child->level > ancestor->level)
		child = child->parent;
	return child == ancestor;
}

/*
 * The socket's opener: whoever reads the replies is unknown, and the opener
 * stands for it. Its credentials are known (file->f_cred), its pid
 * namespace and /proc mounts are not. When it was in the requester's user
 * namespace, it gets the requester's policy (and the credential rules for
 * itself). Otherwise:
 *  - unless the opener's user namespace owns the dump's pid namespace or is
 *    an ancestor of its owner, the dump is refused: an unprivileged opener
 *    lives in a pid namespace owned by its user namespace or an ancestor
 *    of it, so one whose user namespace is deeper than (or beside) the
 *    dump's pid namespace's owner is in a pid namespace that cannot list
 *    the dump's tasks (a nested one: unshare --user --pid);
 *  - else its /proc is still unknown: the strict rule, as for a pid
 *    namespace without /proc, for both.
 */
static int td_opener_policy(struct td_viewer *v, const struct cred *req,
			    const struct cred *open, struct pid_namespace *ns)
{
	if (!open || open->user_ns == req->user_ns)
		return 0;
	if (!td_userns_covers(open->user_ns, ns->user_ns))
		return -EPERM;
	v->hidepid = 2;
	v->policy |= TASK_DIAG_POLICY_OPENER;
	return 0;
}

/* Credentials of whoever opened the socket of a request; NULL without a file. */
static const struct cred *td_socket_opener(struct sk_buff *req_skb)
{
	struct sock *sk = NETLINK_CB(req_skb).sk;
	struct socket *sock = sk ? sk->sk_socket : NULL;
	struct file *file = sock ? sock->file : NULL;

	return file ? file->f_cred : NULL;
}

int td_policy(struct td_viewer *v, struct sk_buff *req_skb)
{
	struct pid_namespace *ns = task_active_pid_ns(current);

	td_policy_ns(v, ns);
	return td_opener_policy(v, current_cred(), td_socket_opener(req_skb), ns);
}

/*
 * A reader may pause a dump for as long as it likes, and /proc may be
 * mounted or remounted with hidepid meanwhile: the policy of the dump's pid
 * namespace is read again for every buffer. It only ever gets stricter, so
 * nothing already refused is shown later and a task is never listed under
 * two policies in a way that grants more than either.
 */
void td_policy_recheck(struct td_viewer *v)
{
	struct td_viewer now;

	/* Nothing is stricter: no need to look again. */
	if (v->hidepid >= 2)
		return;
	td_policy_ns(&now, v->pid_ns);
	v->hidepid = max(v->hidepid, now.hidepid);
	v->policy |= now.policy;
}

int td_viewer_capture(struct td_viewer *v, struct sk_buff *req_skb)
{
	const struct cred *open = td_socket_opener(req_skb);

	memset(v, 0, sizeof(*v));
	v->req_cred = get_current_cred();
	/* A socket without a file (kernel socket) has only its requester. */
	v->open_cred = get_cred(open ? open : v->req_cred);
	v->req_tgid = get_task_pid(current, PIDTYPE_TGID);
	v->req_exec_id = READ_ONCE(current->self_exec_id);
	v->pid_ns = get_pid_ns(task_active_pid_ns(current));
	/*
	 * The time namespace is not part of the credentials: the opener's is
	 * unknown, the requester's is used (see docs/security.md).
	 */
	v->boottime_off = timens_add_boottime_ns(0);
	td_policy_ns(v, v->pid_ns);
	return td_opener_policy(v, v->req_cred, open ? v->open_cred : NULL,
				v->pid_ns);
}

void td_viewer_release(struct td_viewer *v)
{
	if (v->req_cred)
		put_cred(v->req_cred);
	if (v->open_cred)
		put_cred(v->open_cred);
	put_pid(v->req_tgid);
	if (v->pid_ns)
		put_pid_ns(v->pid_ns);
	memset(v, 0, sizeof(*v));
}

bool td_with_sighand(struct task_struct *task,
		     void (*fn)(struct task_struct *task,
				struct sighand_struct *sh, void *arg),
		     void *arg)
{
	struct sighand_struct *sh;
	unsigned long flags;
	bool done = false;

	/* sighand structs are type-stable under RCU: lock, then re-check. */
	rcu_read_lock();
	while (!done) {
		sh = rcu_dereference(task->sighand);
		if (!sh)
			break;
		spin_lock_irqsave(&sh->siglock, flags);
		if (likely(sh == rcu_access_pointer(task->sighand))) {
			fn(task, sh, arg);
			done = true;
		}
		spin_unlock_irqrestore(&sh->siglock, flags);
	}
	rcu_read_unlock();
	return done;
}
