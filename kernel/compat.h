/* SPDX-License-Identifier: GPL-2.0 */
/* task_diag: kernel API differences between the supported kernels (6.1 - 6.12+). */
#ifndef TASK_DIAG_COMPAT_H
#define TASK_DIAG_COMPAT_H

#include <linux/version.h>
#include <linux/capability.h>
#include <linux/fs.h>

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

#endif /* TASK_DIAG_COMPAT_H */
