// SPDX-License-Identifier: GPL-2.0
/* The debugfs job file the in-kernel tests run through (ktests.h). */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "ktests.h"

static ssize_t mkipc_job_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct mkipc_job *job = file->private_data;
	char cmd[128];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';

	if (mutex_lock_interruptible(&job->lock))
		return -EINTR;
	ret = job->run(cmd, job->result, sizeof(job->result));
	mutex_unlock(&job->lock);
	return ret ? ret : count;
}

static ssize_t mkipc_job_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct mkipc_job *job = file->private_data;
	ssize_t ret;

	mutex_lock(&job->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, job->result,
				      strlen(job->result));
	mutex_unlock(&job->lock);
	return ret;
}

static const struct file_operations mkipc_job_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mkipc_job_read,
	.write	= mkipc_job_write,
	.llseek	= default_llseek,
};

/* Root only: a job may run for minutes and start kthreads. */
void mkipc_debugfs_job(struct dentry *dir, const char *name,
		       struct mkipc_job *job)
{
	debugfs_create_file(name, 0600, dir, job, &mkipc_job_fops);
}
