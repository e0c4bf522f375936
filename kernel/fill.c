// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: fixed-size data groups. Each filler adds one attribute or
 * returns -EMSGSIZE without touching the skb.
 */
#include <linux/mm.h>
#include <linux/kdev_t.h>
#include <linux/sched/cputime.h>
#include <linux/sched/mm.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/ptrace.h>
#include <linux/tty.h>
#include <linux/uidgid.h>

#include "internal.h"
#include "compat.h"

/* ns -> clock ticks (USER_HZ), as procfs prints times. */
static inline u64 td_ns_to_ticks(u64 ns)
{
	BUILD_BUG_ON(NSEC_PER_SEC % USER_HZ);
	return div_u64(ns, NSEC_PER_SEC / USER_HZ);
}

static u8 td_state(struct task_struct *task)
{
	static const char letters[] = TASK_DIAG_STATE_CHARS;
	const char *p = strchr(letters, task_state_to_char(task));

	return p ? p - letters : TASK_DIAG_RUNNING;
}

int td_fill_base(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct pid_namespace *ns = c->v->pid_ns;
	struct task_struct *task = c->task, *tracer;
	struct task_diag_base *b;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_BASE, sizeof(*b));
	if (!attr)
		return -EMSGSIZE;
	b = nla_data(attr);
	memset(b, 0, sizeof(*b));

	/*
	 * The header's ids: read again, a task reaped meanwhile (its pid
	 * detached) would say pid 0 under its own header.
	 */
	b->tgid = c->tgid;
	b->pid = c->nr;
	b->ppid = task_ppid_nr_ns(task, ns);
	b->sid = task_session_nr_ns(task, ns);
	b->pgid = task_pgrp_nr_ns(task, ns);
	rcu_read_lock();
	tracer = ptrace_parent(task);
	if (tracer)
		b->tpid = task_pid_nr_ns(tracer, ns);
	rcu_read_unlock();
	b->state = td_state(task);
	/* get_task_comm() checks the size; __get_task_comm is gone in 6.13. */
	get_task_comm(b->comm, task);
	if (task->flags & PF_KTHREAD)
		b->base_flags |= TASK_DIAG_BASE_F_KTHREAD;
	if (task->flags & PF_WQ_WORKER)
		b->base_flags |= TASK_DIAG_BASE_F_WQ_WORKER |
				 TASK_DIAG_BASE_F_COMM_PARTIAL;
	if ((task->flags & PF_KTHREAD) &&
	    strnlen(b->comm, sizeof(b->comm)) == sizeof(b->comm) - 1)
		b->base_flags |= TASK_DIAG_BASE_F_COMM_PARTIAL;
	return 0;
}

/*
 * An id as the opener's user namespace numbers it (procfs maps by the
 * opener of the file read), and the overflow id where the requester's has
 * no mapping for it, so that neither learns an id its own /proc would not
 * show it. Both are the same namespace unless TASK_DIAG_POLICY_OPENER.
 */
static u32 td_uid(const struct td_viewer *v, kuid_t uid)
{
	if (!kuid_has_mapping(v->req_cred->user_ns, uid))
		return overflowuid;
	return from_kuid_munged(v->open_cred->user_ns, uid);
}

static u32 td_gid(const struct td_viewer *v, kgid_t gid)
{
	if (!kgid_has_mapping(v->req_cred->user_ns, gid))
		return overflowgid;
	return from_kgid_munged(v->open_cred->user_ns, gid);
}

int td_fill_creds(struct sk_buff *skb, const struct td_task_ctx *c)
{
	const struct td_viewer *v = c->v;
	struct task_diag_creds *d;
	const struct cred *cred;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_CRED, sizeof(*d));
	if (!attr)
		return -EMSGSIZE;
	d = nla_data(attr);
	memset(d, 0, sizeof(*d));

	rcu_read_lock();
	cred = __task_cred(c->task);
	td_caps_to_u32(&cred->cap_inheritable, d->cap_inheritable.cap);
	td_caps_to_u32(&cred->cap_permitted, d->cap_permitted.cap);
	td_caps_to_u32(&cred->cap_effective, d->cap_effective.cap);
	td_caps_to_u32(&cred->cap_bset, d->cap_bset.cap);
	d->uid = td_uid(v, cred->uid);
	d->euid = td_uid(v, cred->euid);
	d->suid = td_uid(v, cred->suid);
	d->fsuid = td_uid(v, cred->fsuid);
	d->gid = td_gid(v, cred->gid);
	d->egid = td_gid(v, cred->egid);
	d->sgid = td_gid(v, cred->sgid);
	d->fsgid = td_gid(v, cred->fsgid);
	rcu_read_unlock();
	return 0;
}

struct td_stat_arg {
	struct task_diag_stat *s;
	bool whole;
	u64 utime, stime;
};

static void td_stat_locked(struct task_struct *task, struct sighand_struct *sh,
			   void *arg)
{
	struct td_stat_arg *a = arg;
	struct signal_struct *sig = task->signal;
	struct task_diag_stat *s = a->s;
	struct task_struct *t;

	/* The exit paths update these under siglock. */
	s->cminflt = sig->cmin_flt;
	s->cmajflt = sig->cmaj_flt;
	s->cutime = td_ns_to_ticks(sig->cutime);
	s->cstime = td_ns_to_ticks(sig->cstime);
	s->threads = get_nr_threads(task);
	if (a->whole) {
		s->minflt = sig->min_flt;
		s->majflt = sig->maj_flt;
		a->utime = sig->utime;
		a->stime = sig->stime;
		rcu_read_lock();
		for_each_thread(task, t) {
			s->minflt += t->min_flt;
			s->majflt += t->maj_flt;
		}
		rcu_read_unlock();
	}
}

int td_fill_stat(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct task_struct *task = c->task, *t;
	struct td_stat_arg a = { .whole = c->whole };
	struct task_diag_stat *s;
	struct nlattr *attr;
	u64 utime, stime, ut, st;

	attr = nla_reserve(skb, TASK_DIAG_STAT, sizeof(*s));
	if (!attr)
		return -EMSGSIZE;
	s = nla_data(attr);
	memset(s, 0, sizeof(*s));

	a.s = s;
	td_with_sighand(task, td_stat_locked, &a);
	utime = a.utime;
	stime = a.stime;

	if (c->whole) {
		/* thread_group_cputime_adjusted() is not exported: sum threads. */
		rcu_read_lock();
		for_each_thread(task, t) {
			task_cputime_adjusted(t, &ut, &st);
			utime += ut;
			stime += st;
		}
		rcu_read_unlock();
	} else {
		task_cputime_adjusted(task, &utime, &stime);
		s->minflt = task->min_flt;
		s->majflt = task->maj_flt;
	}
	s->utime = td_ns_to_ticks(utime);
	s->stime = td_ns_to_ticks(stime);
	return 0;
}

int td_fill_statm(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct task_diag_statm *s;
	struct mm_struct *mm;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_STATM, sizeof(*s));
	if (!attr)
		return -EMSGSIZE;
	s = nla_data(attr);
	memset(s, 0, sizeof(*s));

	mm = c->mm;
	if (mm) {
		s->size = mm->total_vm;
		s->shared = td_mm_counter(mm, MM_FILEPAGES) +
			    td_mm_counter(mm, MM_SHMEMPAGES);
		s->resident = s->shared + td_mm_counter(mm, MM_ANONPAGES);
		s->text = (PAGE_ALIGN(mm->end_code) -
			   (mm->start_code & PAGE_MASK)) >> PAGE_SHIFT;
		s->data = mm->data_vm + mm->stack_vm;
	}
	return 0;
}

int td_fill_sched(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct task_struct *task = c->task;
	struct task_diag_sched *s;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_SCHED, sizeof(*s));
	if (!attr)
		return -EMSGSIZE;
	s = nla_data(attr);
	memset(s, 0, sizeof(*s));

	s->prio = READ_ONCE(task->prio) - MAX_RT_PRIO;
	s->nice = task_nice(task);
	s->policy = READ_ONCE(task->policy);
	s->rt_priority = READ_ONCE(task->rt_priority);
	s->processor = task_cpu(task);
	s->flags = READ_ONCE(task->flags);
	s->start_time = td_ns_to_ticks(task->start_boottime +
				       c->v->boottime_off);
	s->nvcsw = READ_ONCE(task->nvcsw);
	s->nivcsw = READ_ONCE(task->nivcsw);
	return 0;
}

struct td_tty_arg {
	struct task_diag_tty *t;
	struct pid_namespace *ns;
};

static void td_tty_locked(struct task_struct *task, struct sighand_struct *sh,
			  void *arg)
{
	struct td_tty_arg *a = arg;
	struct tty_struct *tty;
	struct pid *pgrp;

	/* signal->tty is stable under siglock. */
	tty = task->signal->tty;
	if (tty) {
		pgrp = tty_get_pgrp(tty);
		a->t->tpgid = pid_nr_ns(pgrp, a->ns);
		put_pid(pgrp);
		a->t->tty_nr = new_encode_dev(tty_devnum(tty));
	}
}

int td_fill_tty(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct td_tty_arg a = { .ns = c->v->pid_ns };
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_TTY, sizeof(*a.t));
	if (!attr)
		return -EMSGSIZE;
	a.t = nla_data(attr);
	memset(a.t, 0, sizeof(*a.t));
	a.t->tpgid = -1;
	td_with_sighand(c->task, td_tty_locked, &a);
	return 0;
}

#define TD_PAGES_TO_KB(x) ((u64)(x) << (PAGE_SHIFT - 10))

int td_fill_mem(struct sk_buff *skb, const struct td_task_ctx *c)
{
	unsigned long anon, file, shmem, total_rss, hiwater_rss, hiwater_vm;
	unsigned long text, lib;
	struct task_diag_mem *m;
	struct mm_struct *mm;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_MEM, sizeof(*m));
	if (!attr)
		return -EMSGSIZE;
	m = nla_data(attr);
	memset(m, 0, sizeof(*m));

	m->rsslim = READ_ONCE(c->task->signal->rlim[RLIMIT_RSS].rlim_cur);

	mm = c->mm;
	if (!mm)
		return 0;
	anon = td_mm_counter(mm, MM_ANONPAGES);
	file = td_mm_counter(mm, MM_FILEPAGES);
	shmem = td_mm_counter(mm, MM_SHMEMPAGES);
	total_rss = anon + file + shmem;
	hiwater_rss = max(total_rss, READ_ONCE(mm->hiwater_rss));
	hiwater_vm = max(READ_ONCE(mm->total_vm), READ_ONCE(mm->hiwater_vm));
	/* Executable mappings: the program text, the rest counts as libraries. */
	text = PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK);
	text = min(text, mm->exec_vm << PAGE_SHIFT);
	lib = (mm->exec_vm << PAGE_SHIFT) - text;

	m->vsize = (u64)mm->total_vm << PAGE_SHIFT;
	m->rss = td_mm_rss_approx(mm);
	m->vm_peak = TD_PAGES_TO_KB(hiwater_vm);
	m->vm_size = TD_PAGES_TO_KB(mm->total_vm);
	m->vm_lck = TD_PAGES_TO_KB(mm->locked_vm);
	m->vm_pin = TD_PAGES_TO_KB(atomic64_read(&mm->pinned_vm));
	m->vm_hwm = TD_PAGES_TO_KB(hiwater_rss);
	m->vm_rss = TD_PAGES_TO_KB(total_rss);
	m->rss_anon = TD_PAGES_TO_KB(anon);
	m->rss_file = TD_PAGES_TO_KB(file);
	m->rss_shmem = TD_PAGES_TO_KB(shmem);
	m->vm_data = TD_PAGES_TO_KB(mm->data_vm);
	m->vm_stk = TD_PAGES_TO_KB(mm->stack_vm);
	m->vm_exe = text >> 10;
	m->vm_lib = lib >> 10;
	m->vm_pte = mm_pgtables_bytes(mm) >> 10;
	m->vm_swap = TD_PAGES_TO_KB(td_mm_counter(mm, MM_SWAPENTS));
	return 0;
}

static u64 td_sigset_to_u64(const sigset_t *set)
{
#if _NSIG_WORDS == 1
	return set->sig[0];
#else
	return set->sig[0] | ((u64)set->sig[1] << 32);
#endif
}

static void td_signal_locked(struct task_struct *task,
			     struct sighand_struct *sh, void *arg)
{
	struct task_diag_signal *s = arg;
	int i;

	s->pending = td_sigset_to_u64(&task->pending.signal);
	s->shared_pending =
		td_sigset_to_u64(&task->signal->shared_pending.signal);
	s->blocked = td_sigset_to_u64(&task->blocked);
	for (i = 0; i < _NSIG && i < 64; i++) {
		__sighandler_t h = sh->action[i].sa.sa_handler;

		if (h == SIG_IGN)
			s->ignored |= 1ULL << i;
		else if (h != SIG_DFL)
			s->caught |= 1ULL << i;
	}
}

int td_fill_signal(struct sk_buff *skb, const struct td_task_ctx *c)
{
	struct task_diag_signal *s;
	struct nlattr *attr;

	attr = nla_reserve(skb, TASK_DIAG_SIGNAL, sizeof(*s));
	if (!attr)
		return -EMSGSIZE;
	s = nla_data(attr);
	memset(s, 0, sizeof(*s));
	td_with_sighand(c->task, td_signal_locked, s);
	return 0;
}
