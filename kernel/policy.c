// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: the /proc mounts of a pid namespace, and a cache of them.
 *
 * procfs keeps one superblock per mount, each with its own options, and
 * nothing links a pid namespace to its superblocks: the only way to learn
 * a namespace's hidepid policy is to walk every procfs superblock
 * (iterate_supers_type), and unprivileged users can make many
 * (unshare -Urpm --mount-proc). Every dump start, every dump buffer and
 * every GET_INFO needs the answer.
 *
 * The answer changes only when a procfs superblock is born (at the end of
 * vfs_get_tree(), which sets SB_BORN after procfs has filled it in),
 * reconfigured (proc_reconfigure: a remount), or killed (proc_kill_sb).
 * Kretprobes on those three count the changes started (entry) and finished
 * (return). A walk's answer is kept per pid namespace, tagged with the
 * count of changes started before it, and only if none was in flight
 * then; it is used while no change has started since. A change that a
 * walk might have missed has therefore started after that walk began, and
 * voids its answer. When a probe cannot be registered, or the kernel ever
 * missed a hit of one (nmissed: no free instance), every call walks.
 */
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/ptrace.h>
#include <linux/spinlock.h>

#include "internal.h"

static struct file_system_type *td_procfs;

/* Walks made so far: a read-only module parameter, for tests. */
static atomic_long_t td_policy_walks = ATOMIC_LONG_INIT(0);

static int td_walks_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&td_policy_walks));
}

static const struct kernel_param_ops td_walks_ops = {
	.get = td_walks_get,
};
module_param_cb(policy_walks, &td_walks_ops, NULL, 0444);
MODULE_PARM_DESC(policy_walks,
		 "walks over every procfs superblock made so far (read-only)");

struct td_proc_scan {
	struct pid_namespace *ns;
	bool found;
	bool hide;
};

static void td_proc_sb(struct super_block *sb, void *arg)
{
	struct td_proc_scan *scan = arg;
	struct proc_fs_info *fsi = proc_sb_info(sb);

	if (!fsi || fsi->pid_ns != scan->ns)
		return;
	scan->found = true;
	if (READ_ONCE(fsi->hide_pid) != HIDEPID_OFF)
		scan->hide = true;
}

static void td_proc_walk(struct td_proc_scan *scan)
{
	atomic_long_inc(&td_policy_walks);
	if (td_procfs)
		iterate_supers_type(td_procfs, td_proc_sb, scan);
}

#if defined(CONFIG_KRETPROBES) && defined(CONFIG_HAVE_REGS_AND_STACK_ACCESS_API)

static atomic_long_t td_changes_started = ATOMIC_LONG_INIT(0);
static atomic_long_t td_changes_finished = ATOMIC_LONG_INIT(0);
static bool td_cache_on;
/*
 * A procfs mount that entered vfs_get_tree() before the probes were
 * registered is not counted, and its superblock may be added after a walk
 * has passed. A walk waits for a superblock being set up once it is in the
 * list (its s_umount is held until the mount is done), so only the short
 * stretch before that is at risk: nothing is cached for a while after load.
 */
static unsigned long td_cache_from;

static void td_change_start(void)
{
	atomic_long_inc(&td_changes_started);
	/* Seen before any store of the change (pairs with td_proc_policy). */
	smp_mb__after_atomic();
}

static int td_change_done(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	smp_mb__before_atomic();
	atomic_long_inc(&td_changes_finished);
	return 0;
}

/* vfs_get_tree(fc): only procfs's. A nonzero return skips the return probe. */
static int td_get_tree_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct fs_context *fc = (struct fs_context *)regs_get_kernel_argument(regs, 0);

	if (!fc || fc->fs_type != td_procfs)
		return 1;
	td_change_start();
	return 0;
}

/* proc_reconfigure and proc_kill_sb are procfs's own. */
static int td_proc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	td_change_start();
	return 0;
}

static struct kretprobe td_probe_get_tree = {
	.kp.symbol_name = "vfs_get_tree",
	.entry_handler = td_get_tree_entry,
	.handler = td_change_done,
	.maxactive = 64,
};

static struct kretprobe td_probe_reconfigure = {
	.kp.symbol_name = "proc_reconfigure",
	.entry_handler = td_proc_entry,
	.handler = td_change_done,
	.maxactive = 64,
};

static struct kretprobe td_probe_kill = {
	.kp.symbol_name = "proc_kill_sb",
	.entry_handler = td_proc_entry,
	.handler = td_change_done,
	.maxactive = 64,
};

static struct kretprobe *td_probes[] = {
	&td_probe_get_tree, &td_probe_reconfigure, &td_probe_kill,
};

/* Could a hit have gone uncounted? Then the counts prove nothing. */
static bool td_probes_missed(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(td_probes); i++)
		if (READ_ONCE(td_probes[i]->nmissed) ||
		    READ_ONCE(td_probes[i]->kp.nmissed))
			return true;
	return false;
}

#define TD_POLICY_SLOTS_BITS 6

/*
 * A cached answer is also dropped after this long. Root can disarm every
 * kprobe at once (debugfs kprobes/enabled, some tracers) and a module cannot
 * tell: the counts would then stand still while mounts change, so an answer
 * is never trusted for longer than this.
 */
#define TD_POLICY_TTL (HZ / 4)

struct td_policy_slot {
	const struct pid_namespace *ns;	/* a key only: never dereferenced */
	unsigned int inum;
	long changes;			/* td_changes_started before the walk */
	unsigned long walked;		/* jiffies when the walk began */
	bool found, hide;
};

static struct td_policy_slot td_slots[1 << TD_POLICY_SLOTS_BITS];
static DEFINE_SPINLOCK(td_slots_lock);

/*
 * A pid namespace freed and another allocated at its address: its walk had
 * found no superblock (the kill of any would have voided it), and the new
 * one has none either until a mount, which voids it too.
 */
static bool td_slot_get(struct pid_namespace *ns, long changes,
			struct td_proc_scan *scan)
{
	struct td_policy_slot *s = &td_slots[hash_ptr(ns, TD_POLICY_SLOTS_BITS)];
	bool hit;

	spin_lock(&td_slots_lock);
	hit = s->ns == ns && s->inum == ns->ns.inum && s->changes == changes &&
	      time_before(jiffies, s->walked + TD_POLICY_TTL);
	if (hit) {
		scan->found = s->found;
		scan->hide = s->hide;
	}
	spin_unlock(&td_slots_lock);
	return hit;
}

static void td_slot_put(struct pid_namespace *ns, long changes,
			unsigned long walked, const struct td_proc_scan *scan)
{
	struct td_policy_slot *s = &td_slots[hash_ptr(ns, TD_POLICY_SLOTS_BITS)];

	spin_lock(&td_slots_lock);
	s->ns = ns;
	s->inum = ns->ns.inum;
	s->changes = changes;
	s->walked = walked;
	s->found = scan->found;
	s->hide = scan->hide;
	spin_unlock(&td_slots_lock);
}

static void td_proc_policy_cached(struct td_proc_scan *scan)
{
	long started, finished;
	unsigned long walked;

	if (!READ_ONCE(td_cache_on) || td_probes_missed() ||
	    time_before(jiffies, td_cache_from)) {
		td_proc_walk(scan);
		return;
	}
	finished = atomic_long_read(&td_changes_finished);
	smp_rmb();
	started = atomic_long_read(&td_changes_started);
	/* Pairs with td_change_start: a change seen by the walk was counted. */
	smp_rmb();
	if (started == finished && td_slot_get(scan->ns, started, scan))
		return;
	walked = jiffies;
	td_proc_walk(scan);
	smp_rmb();
	if (started == finished &&
	    atomic_long_read(&td_changes_started) == started && !td_probes_missed())
		td_slot_put(scan->ns, started, walked, scan);
}

static void td_policy_cache_init(void)
{
	/* Without every probe, no cache: each call walks. */
	if (register_kretprobes(td_probes, ARRAY_SIZE(td_probes)) == 0) {
		/* the quiet time counts from when the probes see mounts */
		td_cache_from = jiffies + 2 * HZ;
		WRITE_ONCE(td_cache_on, true);
	}
	else
		pr_info("task_diag: no /proc policy cache (kretprobes unavailable)\n");
}

static void td_policy_cache_exit(void)
{
	if (td_cache_on)
		unregister_kretprobes(td_probes, ARRAY_SIZE(td_probes));
	td_cache_on = false;
}

static bool td_policy_cached(void)
{
	return READ_ONCE(td_cache_on) && !td_probes_missed() &&
	       !time_before(jiffies, td_cache_from);
}

#else /* no kretprobes */

static void td_proc_policy_cached(struct td_proc_scan *scan)
{
	td_proc_walk(scan);
}

static void td_policy_cache_init(void)
{
}

static void td_policy_cache_exit(void)
{
}

static bool td_policy_cached(void)
{
	return false;
}

#endif

/* Whether answers are cached now: a read-only module parameter, for tests. */
static int td_cache_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", td_policy_cached() ? 'Y' : 'N');
}

static const struct kernel_param_ops td_cache_ops = {
	.get = td_cache_get,
};
module_param_cb(policy_cache, &td_cache_ops, NULL, 0444);
MODULE_PARM_DESC(policy_cache,
		 "Y: /proc policy answers are cached per pid namespace (read-only)");

void td_proc_policy(struct pid_namespace *ns, bool *found, bool *hide)
{
	struct td_proc_scan scan = { .ns = ns };

	td_proc_policy_cached(&scan);
	*found = scan.found;
	*hide = scan.hide;
}

int td_proc_policy_init(void)
{
	td_procfs = get_fs_type("proc");
	/* procfs is built in: the reference pins nothing, drop it at once. */
	if (td_procfs)
		module_put(td_procfs->owner);
	td_policy_cache_init();
	return 0;
}

void td_proc_policy_exit(void)
{
	td_policy_cache_exit();
}
