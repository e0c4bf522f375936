// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: who is asking, and what they may see.
 *
 * Netlink replies are produced in whatever process calls recvmsg(), so no
 * check here looks at "current" after the dump has started. Instead, the
 * dump's .start (which runs in the sender's sendmsg()) captures:
 *   - the requester's credentials, thread group, pid namespace and time
 *     namespace boottime offset;
 *   - the credentials of whoever opened the socket (file->f_cred), so a
 *     socket handed to a more (or less) privileged program yields the view of
 *     the less privileged of the two.
 *
 * Fields procfs shows to everyone are returned to everyone. Fields procfs
 * gates behind ptrace_may_access(PTRACE_MODE_READ_FSCREDS) are returned only
 * if td_may_inspect() passes for BOTH credentials. ptrace_may_access() is not
 * exported to modules; td_cred_may_inspect() re-implements its core rule plus
 * the commoncap rule, conservatively:
 *   - the requester's own thread group is always allowed (not the opener's:
 *     its process is unknown);
 *   - else the caller's fsuid must equal the task's uid, euid and suid, its
 *     fsgid the task's gid, egid and sgid, and the task's permitted
 *     capabilities must be a subset of the caller's effective ones within
 *     the same user namespace; or the caller has CAP_SYS_PTRACE in the task's
 *     user namespace;
 *   - and the task's mm must be dumpable (SUID_DUMP_USER), or the caller has
 *     CAP_SYS_PTRACE in the mm's user namespace; a task without mm requires
 *     CAP_SYS_PTRACE in the initial user namespace.
 * Capabilities are evaluated from the captured credentials with the same
 * namespace walk as the kernel's capability code. Not consulted: LSM hooks
 * (security_ptrace_access_check: Yama, SELinux, AppArmor...) and
 * security_capable(), so an LSM that would deny procfs access does not deny
 * it here; audit records are not generated.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
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
				struct task_struct *task)
{
	const struct cred *tcred;
	struct mm_struct *mm;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(task);
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

	/* Dumpability is read after the credentials, as procfs does. */
	smp_rmb();
	task_lock(task);
	mm = task->mm;
	if (mm)
		ok = get_dumpable(mm) == SUID_DUMP_USER ||
		     td_cred_capable(cred, mm->user_ns, CAP_SYS_PTRACE);
	else
		ok = td_cred_capable(cred, &init_user_ns, CAP_SYS_PTRACE);
	task_unlock(task);
	return ok;
}

bool td_may_inspect(const struct td_viewer *v, struct task_struct *task)
{
	bool req_ok;

	req_ok = task_tgid(task) == v->req_tgid ||
		 td_cred_may_inspect(v->req_cred, task);
	if (!req_ok)
		return false;
	if (v->open_cred == v->req_cred)
		return true;
	return td_cred_may_inspect(v->open_cred, task);
}

bool td_task_visible(const struct td_viewer *v, struct task_struct *task)
{
	if (!task_pid_nr_ns(task, v->pid_ns))
		return false;
	if (v->hidepid >= 2 && !td_may_inspect(v, task))
		return false;
	return true;
}

int td_viewer_capture(struct td_viewer *v, struct sk_buff *req_skb)
{
	struct sock *sk = NETLINK_CB(req_skb).sk;
	struct socket *sock = sk ? sk->sk_socket : NULL;
	struct file *file = sock ? sock->file : NULL;

	memset(v, 0, sizeof(*v));
	v->req_cred = get_current_cred();
	/* A socket without a file (kernel socket) has only its requester. */
	v->open_cred = get_cred(file ? file->f_cred : v->req_cred);
	v->req_tgid = get_task_pid(current, PIDTYPE_TGID);
	v->pid_ns = get_pid_ns(task_active_pid_ns(current));
	v->boottime_off = timens_add_boottime_ns(0);
	v->hidepid = READ_ONCE(td_hidepid);
	return 0;
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

struct sighand_struct *td_lock_sighand(struct task_struct *task,
				       unsigned long *flags)
{
	struct sighand_struct *sh;

	/* sighand structs are type-stable under RCU: lock, then re-check. */
	rcu_read_lock();
	for (;;) {
		sh = rcu_dereference(task->sighand);
		if (!sh)
			break;
		spin_lock_irqsave(&sh->siglock, *flags);
		if (likely(sh == rcu_access_pointer(task->sighand)))
			break;
		spin_unlock_irqrestore(&sh->siglock, *flags);
	}
	rcu_read_unlock();
	return sh;
}
