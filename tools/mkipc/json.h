/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): --json output, a small streaming writer (json.c). Every
 * subcommand writes one object: jw_open(w, NULL, '{') ... jw_close(w,
 * '}'); inside an object each value has its key, inside an array the key
 * is NULL. Indented two spaces a level, a newline after the last '}'.
 */
#ifndef _MKIPC_JSON_H
#define _MKIPC_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/types.h>

struct jw {
	FILE *f;
	int depth;
	bool need_comma;
};

/* Opens an object ('{') or an array ('['); jw_close() with '}' or ']'. */
void jw_open(struct jw *w, const char *key, char c);
void jw_close(struct jw *w, char c);

/* A string (null for a NULL @val), numbers, a boolean, null. */
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, __u64 val);
void jw_i64(struct jw *w, const char *key, __s64 val);
void jw_double(struct jw *w, const char *key, double val);	/* "%.1f" */
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);

/* @tok as a number when it is a plain decimal integer, else a string. */
void jw_token(struct jw *w, const char *key, const char *tok);

#endif /* _MKIPC_JSON_H */
