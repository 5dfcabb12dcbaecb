/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checked number parsing and small string helpers (never atoi/bare strtol). */
#ifndef BOX_UTIL_H
#define BOX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole-string decimal parse with range check; -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_int_range(const char *s, long min, long max, long *ret);
/* "512", "64K", "1.5G" (base 1024) into bytes. */
int parse_size(const char *s, uint64_t *ret);
/* "yes/no/true/false/on/off/1/0" */
int parse_bool(const char *s, bool *ret);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* Strip leading/trailing whitespace in place; returns s. */
char *str_strip(char *s);
/* Levenshtein distance, for "did you mean" suggestions. */
size_t str_distance(const char *a, const char *b);
/* "1.5 MB" style, base 1000 like podman; buf of >= 16 bytes. */
/* "--interval S" values: seconds, fractions allowed, 0.1 .. 3600, into ms. */
int parse_interval_ms(const char *s, unsigned *ret_ms);
char *format_bytes(uint64_t n, char *buf, size_t len);
/* How long ago `when` (seconds since the epoch) was: "just now", "3 days ago"; buf of >= 32
 * bytes. */
char *format_ago(int64_t when, char *buf, size_t len);
/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

#endif
