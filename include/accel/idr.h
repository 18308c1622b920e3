/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/idr.h - small integer ids mapped to pointers, lowest free id first.
 *
 * The kernel's idr_alloc(idr, ptr, start, 0) hands out the lowest free id at or above
 * start; GEM handles, flink names and syncobj handles depend on that (a closed handle's
 * number is the next one given). The table is not locked: its user holds the lock that
 * guards it.
 */
#ifndef ACCEL_IDR_H
#define ACCEL_IDR_H

#include <stdint.h>

#include <stdbool.h>

/** struct idr - a table of ids; zero-initialised is an empty table. */
struct idr {
	void **slots;
	unsigned int size;
	/** @count: ids in use (NULL entries reserved by idr_replace() count). */
	unsigned int count;
	/** @bits: one bit per id, set when the id is taken. */
	uint64_t *bits;
	/** @hint: every id in [1, @hint) is taken: the search for a free one starts here. */
	unsigned int hint;
};

/** idr_init() - start an empty table. */
void idr_init(struct idr *idr);
/** idr_destroy() - free the table's memory (not what the entries point to). */
void idr_destroy(struct idr *idr);
/**
 * idr_alloc() - give @ptr the lowest free id >= @start (@start > 0).
 * Returns the id or -ENOMEM / -ENOSPC (past INT_MAX).
 */
int idr_alloc(struct idr *idr, void *ptr, int start);
/** idr_find() - the pointer of @id, or NULL (free, or reserved with NULL). */
void *idr_find(const struct idr *idr, int id);
/**
 * idr_replace() - put @ptr in the used slot @id; returns the previous pointer, or
 * ERR_PTR(-ENOENT) when @id is not in use.
 */
void *idr_replace(struct idr *idr, void *ptr, int id);
/** idr_remove() - free @id; returns what it held (NULL if not in use). */
void *idr_remove(struct idr *idr, int id);
/**
 * idr_get_next() - the lowest used id >= *@id with its pointer, *@id updated; NULL when
 * none is left. NULL entries are skipped.
 */
void *idr_get_next(const struct idr *idr, int *id);

/** idr_for_each_entry() - iterate the non-NULL entries in id order. */
#define idr_for_each_entry(idr, entry, id) \
	for ((id) = 0; ((entry) = idr_get_next((idr), &(id))) != NULL; (id)++)

#endif
