/* SPDX-License-Identifier: GPL-2.0 */
/* task_diag: kernel API differences between the supported kernels (6.1 - 6.12+). */
#ifndef TASK_DIAG_COMPAT_H
#define TASK_DIAG_COMPAT_H

#include <linux/version.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/stddef.h>

/* kernel_cap_t became a single u64 in 6.3. */
static inline void td_caps_to_u32(const kernel_cap_t *c, __u32 out[2])
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	out[0] = lower_32_bits(c->val);
	out[1] = upper_32_bits(c->val);
#else
	out[0] = c->cap[0];
	out[1] = _KERNEL_CAPABILITY_U32S > 1 ? c->cap[1] : 0;
#endif
}

/* The path /proc/PID/maps prints for a mapped file (backing files: 6.8). */
static inline const struct path *td_file_user_path(struct file *file)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return file_user_path(file);
#else
	return &file->f_path;
#endif
}

/* The inode /proc/PID/maps describes for a mapped file. */
static inline const struct inode *td_file_user_inode(struct file *file)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return d_inode(td_file_user_path(file)->dentry);
#else
	return file_inode(file);
#endif
}

/*
 * Exact RSS counter, as /proc/PID/status and statm print it. Since 6.2 the
 * counters are per-cpu and get_mm_counter() is only an approximation (which
 * /proc/PID/stat's rss field keeps using: see td_mm_rss_approx()).
 */
static inline unsigned long td_mm_counter(struct mm_struct *mm, int member)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return percpu_counter_sum_positive(&mm->rss_stat[member]);
#else
	return get_mm_counter(mm, member);
#endif
}

static inline unsigned long td_mm_rss_approx(struct mm_struct *mm)
{
	return get_mm_rss(mm);
}

/*
 * The name prctl(PR_SET_VMA_ANON_NAME) gave a mapping, or NULL. Until 6.2
 * anon_name shared a union with the file rmap node (valid only without a
 * file); later kernels also name shmem mappings. The layout is tested, not
 * the version, so backports either way are handled. anon_vma_name() is not
 * exported. Caller holds the mmap lock.
 */
static inline const char *td_vma_anon_name(struct vm_area_struct *vma)
{
#ifdef CONFIG_ANON_VMA_NAME
	if (vma->vm_file && offsetof(struct vm_area_struct, anon_name) ==
			    offsetof(struct vm_area_struct, shared))
		return NULL;
	return vma->anon_name ? vma->anon_name->name : NULL;
#else
	return NULL;
#endif
}

#endif /* TASK_DIAG_COMPAT_H */
