/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/list.h - intrusive doubly linked lists with the kernel's list_head API.
 *
 * A list is a ring of &struct list_head links: the head is a link of its own that no entry
 * contains, and an empty list is a head pointing at itself. Entries embed a link and are
 * found from it with list_entry() (container_of()). Nothing here locks or allocates; whoever
 * owns a list says which lock guards it.
 *
 * One difference from the kernel: list_del() leaves the removed link's pointers NULL (the
 * kernel writes LIST_POISON values), so a use after removal faults here too. Use
 * list_del_init() for a link that may be looked at (list_empty()) or removed again.
 */
#ifndef ACCEL_LIST_H
#define ACCEL_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <accel/compiler.h>

/** struct list_head - a link of a list, or the head of one. */
struct list_head {
	struct list_head *next, *prev;
};

/** LIST_HEAD_INIT() - the initialiser of an empty list head named @name. */
#define LIST_HEAD_INIT(name) { &(name), &(name) }

/** LIST_HEAD() - define an empty list head named @name. */
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

/** INIT_LIST_HEAD() - make @list an empty list (or an unlinked link). */
static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

/* Link @entry between the consecutive links @prev and @next. */
static inline void __list_add(struct list_head *entry, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

/** list_add() - insert @entry right after @head (at the front of the list: a stack). */
static inline void list_add(struct list_head *entry, struct list_head *head)
{
	__list_add(entry, head, head->next);
}

/** list_add_tail() - insert @entry right before @head (at the end of the list: a queue). */
static inline void list_add_tail(struct list_head *entry, struct list_head *head)
{
	__list_add(entry, head->prev, head);
}

/* Join @prev and @next, dropping whatever was between them. */
static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	prev->next = next;
}

/** list_del() - unlink @entry; its pointers are left NULL (see the DOC above). */
static inline void list_del(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->next = NULL;
	entry->prev = NULL;
}

/** list_del_init() - unlink @entry and leave it an empty list (list_empty() is true). */
static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

/** list_move() - take @entry off its list and insert it after @head. */
static inline void list_move(struct list_head *entry, struct list_head *head)
{
	__list_del(entry->prev, entry->next);
	list_add(entry, head);
}

/** list_move_tail() - take @entry off its list and insert it before @head. */
static inline void list_move_tail(struct list_head *entry, struct list_head *head)
{
	__list_del(entry->prev, entry->next);
	list_add_tail(entry, head);
}

/** list_empty() - true when @head has no entry (or the link @head is on no list). */
static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

/** list_is_singular() - true when @head has exactly one entry. */
static inline bool list_is_singular(const struct list_head *head)
{
	return !list_empty(head) && head->next == head->prev;
}

/* Put the entries of the non-empty @list between @prev and @next. */
static inline void __list_splice(const struct list_head *list, struct list_head *prev,
				 struct list_head *next)
{
	struct list_head *first = list->next, *last = list->prev;

	first->prev = prev;
	prev->next = first;
	last->next = next;
	next->prev = last;
}

/** list_splice_init() - move every entry of @list to the front of @head; @list ends empty. */
static inline void list_splice_init(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		__list_splice(list, head, head->next);
		INIT_LIST_HEAD(list);
	}
}

/** list_splice_tail_init() - move every entry of @list to the end of @head; @list ends empty. */
static inline void list_splice_tail_init(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		__list_splice(list, head->prev, head);
		INIT_LIST_HEAD(list);
	}
}

/** list_entry() - the @type that embeds the link @ptr as its @member. */
#define list_entry(ptr, type, member) container_of(ptr, type, member)

/** list_first_entry() - the first entry of the non-empty list @head. */
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

/** list_last_entry() - the last entry of the non-empty list @head. */
#define list_last_entry(head, type, member) list_entry((head)->prev, type, member)

/** list_first_entry_or_null() - the first entry of @head, or NULL when it is empty. */
#define list_first_entry_or_null(head, type, member)					\
	(list_empty(head) ? NULL : list_first_entry(head, type, member))

/** list_next_entry() - the entry after @pos (on the list of its @member link). */
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)

/** list_prev_entry() - the entry before @pos (on the list of its @member link). */
#define list_prev_entry(pos, member) list_entry((pos)->member.prev, __typeof__(*(pos)), member)

/** list_entry_is_head() - true when the cursor @pos is the head @head, not an entry. */
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))

/**
 * list_for_each_entry() - iterate over the entries of @head, first to last.
 * @pos: the cursor (a pointer to the entry type)
 * @head: the list
 * @member: the name of the link in the entry type
 *
 * @pos must not be removed inside the loop: use list_for_each_entry_safe().
 */
#define list_for_each_entry(pos, head, member)						\
	for ((pos) = list_first_entry(head, __typeof__(*(pos)), member);		\
	     !list_entry_is_head(pos, head, member);					\
	     (pos) = list_next_entry(pos, member))

/** list_for_each_entry_reverse() - as list_for_each_entry(), last to first. */
#define list_for_each_entry_reverse(pos, head, member)					\
	for ((pos) = list_last_entry(head, __typeof__(*(pos)), member);		\
	     !list_entry_is_head(pos, head, member);					\
	     (pos) = list_prev_entry(pos, member))

/**
 * list_for_each_entry_safe() - as list_for_each_entry(); @pos may be removed (or freed)
 * inside the loop, @n holding the entry after it.
 */
#define list_for_each_entry_safe(pos, n, head, member)					\
	for ((pos) = list_first_entry(head, __typeof__(*(pos)), member),		\
	     (n) = list_next_entry(pos, member);					\
	     !list_entry_is_head(pos, head, member);					\
	     (pos) = (n), (n) = list_next_entry(n, member))

#endif
