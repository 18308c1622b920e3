// SPDX-License-Identifier: MIT
/*
 * The attribute tree: sysfs and debugfs as one in-memory tree of show/store callbacks.
 *
 * The shape of the tree is guarded by attr_lock, a recursive mutex because the publisher is
 * called with it held and publishers ask for paths and link targets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>

static pthread_mutex_t attr_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
/* How deep this thread holds attr_lock: attr_remove() drains only when it can let go of it. */
static __thread unsigned int attr_lock_depth;
/*
 * Guards every node's @refs, @active and @removed; taken inside attr_lock, never around it.
 * attr_drain_cond: a removed node's last active call returned.
 */
static pthread_mutex_t attr_active_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t attr_drain_cond = PTHREAD_COND_INITIALIZER;
/* The node whose show or store this thread runs (a store that removes its own file). */
static __thread struct attr_node *attr_current;

static void tree_lock(void)
{
	pthread_mutex_lock(&attr_lock);
	attr_lock_depth++;
}

static void tree_unlock(void)
{
	attr_lock_depth--;
	pthread_mutex_unlock(&attr_lock);
}
/*
 * The tree stands for the root directory: "sys" holds sysfs and debugfs, "proc" the
 * per-client fdinfo files. Paths are relative to the top ("sys/class/accel").
 */
static struct attr_node attr_top_node;
static struct attr_node attr_root_node;
static struct attr_node attr_proc_node = {
	.name = "proc", .type = ATTR_NODE_DIR, .mode = 0755, .parent = &attr_top_node,
	.prev = &attr_root_node,
};
static struct attr_node attr_root_node = {
	.name = "sys", .type = ATTR_NODE_DIR, .mode = 0755, .parent = &attr_top_node,
	.next = &attr_proc_node,
};
static struct attr_node attr_top_node = {
	.name = "", .type = ATTR_NODE_DIR, .mode = 0755, .children = &attr_root_node,
	.last_child = &attr_proc_node, .n_children = 2,
};
static struct attr_publisher *attr_publisher;

void seq_puts(struct seq_file *m, const char *s)
{
	size_t n = strlen(s);

	if (m->len + n + 1 > m->size) {
		size_t size = m->size ? m->size : 256;
		char *buf;

		while (m->len + n + 1 > size)
			size *= 2;
		buf = realloc(m->buf, size);
		if (!buf)
			return; /* out of memory: the value is truncated, never corrupted */
		m->buf = buf;
		m->size = size;
	}
	memcpy(m->buf + m->len, s, n + 1);
	m->len += n;
}

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		seq_puts(m, small);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		seq_puts(m, big);
		free(big);
	}
}

struct attr_node *attr_root(void)
{
	return &attr_root_node;
}

struct attr_node *attr_proc_root(void)
{
	return &attr_proc_node;
}

/* A directory's children are hashed by name from this many on (and their table grows). */
#define ATTR_HASH_MIN 16

/* FNV-1a of @name. */
static unsigned int attr_name_hash(const char *name)
{
	unsigned int h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static void attr_hash_insert(struct attr_node *dir, struct attr_node *n)
{
	struct attr_node **b = &dir->hash[attr_name_hash(n->name) & (dir->hash_size - 1)];

	n->hash_next = *b;
	*b = n;
}

/*
 * Hash @dir's children anew into a table of @size buckets (a power of two), or keep them
 * unhashed when it cannot be allocated: lookups are linear then, never wrong.
 */
static void attr_hash_rebuild(struct attr_node *dir, unsigned int size)
{
	struct attr_node **table = calloc(size, sizeof(*table)), *c;

	if (!table)
		return;
	free(dir->hash);
	dir->hash = table;
	dir->hash_size = size;
	for (c = dir->children; c; c = c->next)
		attr_hash_insert(dir, c);
}

/* Append @n to @dir's children (listings keep creation order). Tree lock held. */
static void attr_child_link(struct attr_node *dir, struct attr_node *n)
{
	n->parent = dir;
	n->next = NULL;
	n->prev = dir->last_child;
	if (dir->last_child)
		dir->last_child->next = n;
	else
		dir->children = n;
	dir->last_child = n;
	dir->n_children++;
	if (dir->hash && dir->n_children <= dir->hash_size)
		attr_hash_insert(dir, n);
	else if (dir->n_children >= ATTR_HASH_MIN)
		attr_hash_rebuild(dir, dir->hash_size ? 2 * dir->hash_size : 2 * ATTR_HASH_MIN);
}

/* Take @n out of its parent's children. Tree lock held. */
static void attr_child_unlink(struct attr_node *n)
{
	struct attr_node *dir = n->parent;

	if (n->prev)
		n->prev->next = n->next;
	else
		dir->children = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		dir->last_child = n->prev;
	if (dir->hash) {
		struct attr_node **pp = &dir->hash[attr_name_hash(n->name) & (dir->hash_size - 1)];

		for (; *pp; pp = &(*pp)->hash_next)
			if (*pp == n) {
				*pp = n->hash_next;
				break;
			}
	}
	dir->n_children--;
	n->next = n->prev = n->hash_next = NULL;
}

struct attr_node *attr_child(struct attr_node *dir, const char *name)
{
	struct attr_node *c = NULL;

	tree_lock();
	if (dir && dir->hash) {
		for (c = dir->hash[attr_name_hash(name) & (dir->hash_size - 1)]; c; c = c->hash_next)
			if (!strcmp(c->name, name))
				break;
	} else {
		for (c = dir ? dir->children : NULL; c; c = c->next)
			if (!strcmp(c->name, name))
				break;
	}
	tree_unlock();
	return c;
}

static struct attr_node *attr_node_new(struct attr_node *parent, const char *name,
				       enum attr_node_type type, umode_t mode)
{
	struct attr_node *n;

	if (!parent)
		parent = &attr_root_node;
	if (parent->type != ATTR_NODE_DIR || !name || !*name || strchr(name, '/'))
		return ERR_PTR(-EINVAL);
	if (attr_child(parent, name))
		return ERR_PTR(-EEXIST);
	n = calloc(1, sizeof(*n));
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return ERR_PTR(-ENOMEM);
	}
	n->type = type;
	n->mode = mode;
	attr_child_link(parent, n);
	return n;
}

static void attr_publish_added(struct attr_node *n)
{
	if (attr_publisher && attr_publisher->added)
		attr_publisher->added(attr_publisher, n);
}

struct attr_node *attr_dir_create(struct attr_node *parent, const char *name)
{
	struct attr_node *n;

	tree_lock();
	n = attr_child(parent ? parent : &attr_root_node, name);
	if (n) {
		if (n->type != ATTR_NODE_DIR)
			n = ERR_PTR(-EEXIST);
	} else {
		n = attr_node_new(parent, name, ATTR_NODE_DIR, 0755);
		if (!IS_ERR(n))
			attr_publish_added(n);
	}
	tree_unlock();
	return n;
}

struct attr_node *attr_dir_create_path(struct attr_node *parent, const char *path)
{
	char *copy = strdup(path), *save = NULL, *part;
	struct attr_node *n = parent ? parent : &attr_root_node;

	if (!copy)
		return ERR_PTR(-ENOMEM);
	tree_lock();
	for (part = strtok_r(copy, "/", &save); part && !IS_ERR(n); part = strtok_r(NULL, "/", &save))
		n = attr_dir_create(n, part);
	tree_unlock();
	free(copy);
	return n;
}

struct attr_node *attr_file_create(struct attr_node *parent, const char *name, umode_t mode,
				   attr_show_t show, attr_store_t store, void *private)
{
	struct attr_node *n;

	tree_lock();
	n = attr_node_new(parent, name, ATTR_NODE_FILE, mode);
	if (!IS_ERR(n)) {
		n->show = show;
		n->store = store;
		n->private = private;
		attr_publish_added(n);
	}
	tree_unlock();
	return n;
}

struct attr_node *attr_link_create(struct attr_node *parent, const char *name,
				   struct attr_node *target)
{
	struct attr_node *n;

	if (!target)
		return ERR_PTR(-EINVAL);
	tree_lock();
	n = attr_node_new(parent, name, ATTR_NODE_LINK, 0777);
	if (!IS_ERR(n)) {
		n->target = target;
		attr_publish_added(n);
	}
	tree_unlock();
	return n;
}

static void attr_node_free(struct attr_node *n)
{
	free(n->hash);
	free(n->name);
	free(n);
}

/* Free a removed subtree; a node someone holds (attr_file_get()) goes at its attr_put(). */
static void attr_free_subtree(struct attr_node *n)
{
	struct attr_node *c = n->children, *next;
	bool held;

	for (; c; c = next) {
		next = c->next;
		attr_free_subtree(c);
	}
	pthread_mutex_lock(&attr_active_lock);
	held = n->refs > 0;
	n->orphan = held;
	n->children = NULL;
	n->last_child = NULL;
	n->n_children = 0;
	free(n->hash);
	n->hash = NULL;
	n->hash_size = 0;
	n->parent = NULL;
	pthread_mutex_unlock(&attr_active_lock);
	if (!held)
		attr_node_free(n);
}

static void attr_mark_removed(struct attr_node *n)
{
	struct attr_node *c;

	n->removed = true;
	for (c = n->children; c; c = c->next)
		attr_mark_removed(c);
}

/* Wait until no show or store of the removed subtree runs (but this thread's own). */
static void attr_drain(struct attr_node *n)
{
	struct attr_node *c;

	for (c = n->children; c; c = c->next)
		attr_drain(c);
	while (n->active > (n == attr_current ? 1u : 0u))
		pthread_cond_wait(&attr_drain_cond, &attr_active_lock);
}

/* Links elsewhere in the tree that point into a removed subtree would dangle: drop them. */
static bool attr_is_within(const struct attr_node *n, const struct attr_node *top)
{
	for (; n; n = n->parent)
		if (n == top)
			return true;
	return false;
}

static void attr_unlink_dangling(struct attr_node *dir, struct attr_node *gone)
{
	struct attr_node *c = dir->children, *next;

	for (; c; c = next) {
		next = c->next;
		if (c == gone)
			continue;
		if (c->type == ATTR_NODE_LINK && attr_is_within(c->target, gone))
			attr_remove(c);
		else if (c->type == ATTR_NODE_DIR)
			attr_unlink_dangling(c, gone);
	}
}

void attr_remove(struct attr_node *node)
{
	unsigned int depth;

	if (IS_ERR_OR_NULL(node) || !node->parent || node->parent == &attr_top_node)
		return;
	tree_lock();
	if (attr_publisher && attr_publisher->removing)
		attr_publisher->removing(attr_publisher, node);
	attr_child_unlink(node);
	if (node->type == ATTR_NODE_DIR)
		attr_unlink_dangling(&attr_top_node, node);
	pthread_mutex_lock(&attr_active_lock);
	attr_mark_removed(node);
	pthread_mutex_unlock(&attr_active_lock);
	depth = attr_lock_depth;
	tree_unlock();
	/*
	 * Out of the tree: no new call can start. The driver frees what its callbacks use once
	 * this returns, so wait for the calls running - unless this thread holds the tree's
	 * lock from further out, where a running call that needs it would never return.
	 */
	if (depth == 1) {
		pthread_mutex_lock(&attr_active_lock);
		attr_drain(node);
		pthread_mutex_unlock(&attr_active_lock);
	}
	attr_free_subtree(node);
}

struct attr_node *attr_lookup(const char *path)
{
	return attr_lookup_in(&attr_root_node, path);
}

struct attr_node *attr_lookup_in(struct attr_node *dir, const char *path)
{
	char *copy = strdup(path), *save = NULL, *part;
	struct attr_node *n = dir;

	if (!copy)
		return NULL;
	tree_lock();
	for (part = strtok_r(copy, "/", &save); part && n; part = strtok_r(NULL, "/", &save)) {
		while (n && n->type == ATTR_NODE_LINK)
			n = n->target;
		n = n ? attr_child(n, part) : NULL;
	}
	tree_unlock();
	free(copy);
	return n;
}

static int attr_depth(const struct attr_node *n)
{
	int d = 0;

	for (; n && n != &attr_top_node; n = n->parent)
		d++;
	return d;
}

int attr_path(const struct attr_node *node, char *buf, size_t size)
{
	const struct attr_node *stack[64];
	int depth = 0, i;
	size_t len = 0;

	if (!size)
		return -EINVAL;
	buf[0] = 0;
	tree_lock();
	for (; node && node != &attr_top_node; node = node->parent) {
		if (depth == (int)ARRAY_SIZE(stack)) {
			tree_unlock();
			return -ENAMETOOLONG;
		}
		stack[depth++] = node;
	}
	for (i = depth - 1; i >= 0; i--) {
		int n = snprintf(buf + len, size - len, "%s%s", len ? "/" : "", stack[i]->name);

		if (n < 0 || (size_t)n >= size - len) {
			tree_unlock();
			return -ENAMETOOLONG;
		}
		len += n;
	}
	tree_unlock();
	return 0;
}

int attr_link_target_relative(const struct attr_node *link, char *buf, size_t size)
{
	const struct attr_node *from = link->parent, *to = link->target, *a, *b;
	char target_path[1024];
	size_t len = 0;
	int up, err;

	if (link->type != ATTR_NODE_LINK)
		return -EINVAL;
	tree_lock();
	/* Find the deepest common ancestor of the link's directory and the target. */
	for (a = from; a; a = a->parent) {
		for (b = to; b; b = b->parent)
			if (a == b)
				break;
		if (b)
			break;
	}
	/* Like sysfs, name an ancestor from its parent: "../../../dev", never "../..". */
	if (a == to && a->parent)
		a = a->parent;
	up = attr_depth(from) - attr_depth(a);
	buf[0] = 0;
	while (up-- > 0) {
		if (len + 4 > size) {
			tree_unlock();
			return -ENAMETOOLONG;
		}
		memcpy(buf + len, "../", 4);
		len += 3;
	}
	err = attr_path(to, target_path, sizeof(target_path));
	if (!err) {
		char common[1024];
		const char *rest = target_path;

		err = attr_path(a, common, sizeof(common));
		if (!err && common[0]) {
			rest += strlen(common);
			if (*rest == '/')
				rest++;
		}
		if (!err && (size_t)snprintf(buf + len, size - len, "%s", rest) >= size - len)
			err = -ENAMETOOLONG;
	}
	tree_unlock();
	return err;
}

int attr_read(struct attr_node *node, char **out, size_t *len)
{
	struct seq_file m = { .private = node->private, .node = node };
	int err;

	while (node->type == ATTR_NODE_LINK)
		node = node->target;
	if (node->type != ATTR_NODE_FILE)
		return -EISDIR;
	if (!node->show || !(node->mode & 0444))
		return -EACCES;
	m.private = node->private;
	m.node = node;
	err = node->show(&m);
	if (err < 0) {
		free(m.buf);
		return err;
	}
	if (!m.buf) {
		m.buf = strdup("");
		if (!m.buf)
			return -ENOMEM;
	}
	*out = m.buf;
	if (len)
		*len = m.len;
	return 0;
}

ssize_t attr_write(struct attr_node *node, const char *buf, size_t len)
{
	ssize_t ret;

	while (node->type == ATTR_NODE_LINK)
		node = node->target;
	if (node->type != ATTR_NODE_FILE)
		return -EISDIR;
	if (!node->store || !(node->mode & 0222))
		return -EACCES;
	ret = node->store(node, node->private, buf, len);
	if (ret >= 0)
		attr_notify(node);
	return ret;
}

void attr_notify(struct attr_node *node)
{
	__atomic_add_fetch(&node->events, 1, __ATOMIC_SEQ_CST);
	tree_lock();
	if (attr_publisher && attr_publisher->changed)
		attr_publisher->changed(attr_publisher, node);
	tree_unlock();
}

static int attr_walk(struct attr_node *n, int (*fn)(struct attr_node *, void *), void *data)
{
	struct attr_node *c;
	int err = fn(n, data);

	for (c = n->children; !err && c; c = c->next)
		err = attr_walk(c, fn, data);
	return err;
}

int attr_for_each(struct attr_node *from, int (*fn)(struct attr_node *node, void *data), void *data)
{
	int err;

	tree_lock();
	err = attr_walk(from ? from : &attr_top_node, fn, data);
	tree_unlock();
	return err;
}

static int attr_publish_one(struct attr_node *n, void *data)
{
	(void)data;
	if (n != &attr_top_node)
		attr_publish_added(n);
	return 0;
}

void attr_set_publisher(struct attr_publisher *p)
{
	tree_lock();
	attr_publisher = p;
	if (p)
		attr_walk(&attr_top_node, attr_publish_one, NULL);
	tree_unlock();
}

unsigned int attr_events(struct attr_node *node)
{
	return __atomic_load_n(&node->events, __ATOMIC_SEQ_CST);
}

/* The node at @path under @dir (NULL: sys), the final link followed when @follow. Locked. */
static struct attr_node *attr_resolve_locked(struct attr_node *dir, const char *path, bool follow)
{
	struct attr_node *n = attr_lookup_in(dir ? dir : &attr_root_node, path);

	while (follow && n && n->type == ATTR_NODE_LINK)
		n = n->target;
	return n;
}

struct attr_node *attr_file_get(struct attr_node *dir, const char *path)
{
	struct attr_node *n;

	tree_lock();
	n = attr_resolve_locked(dir, path, true);
	if (!n)
		n = ERR_PTR(-ENOENT);
	else if (n->type != ATTR_NODE_FILE)
		n = ERR_PTR(-EISDIR);
	else {
		pthread_mutex_lock(&attr_active_lock);
		n->refs++;
		pthread_mutex_unlock(&attr_active_lock);
	}
	tree_unlock();
	return n;
}

void attr_put(struct attr_node *node)
{
	bool gone;

	if (IS_ERR_OR_NULL(node))
		return;
	pthread_mutex_lock(&attr_active_lock);
	/* Only once attr_free_subtree() left it to us: before, it frees the node itself. */
	gone = --node->refs == 0 && node->orphan && !node->active;
	pthread_mutex_unlock(&attr_active_lock);
	if (gone)
		attr_node_free(node);
}

/* Start a show or store on a held node: false once it is removed. */
static bool attr_active_get(struct attr_node *node)
{
	bool ok;

	pthread_mutex_lock(&attr_active_lock);
	ok = !node->removed;
	if (ok)
		node->active++;
	pthread_mutex_unlock(&attr_active_lock);
	return ok;
}

static void attr_active_put(struct attr_node *node)
{
	pthread_mutex_lock(&attr_active_lock);
	if (!--node->active && node->removed)
		pthread_cond_broadcast(&attr_drain_cond);
	pthread_mutex_unlock(&attr_active_lock);
}

int attr_file_show(struct attr_node *node, char **out, size_t *len)
{
	struct attr_node *outer = attr_current;
	int err;

	if (!attr_active_get(node))
		return -ENODEV;
	attr_current = node;
	err = attr_read(node, out, len);
	attr_current = outer;
	attr_active_put(node);
	return err;
}

/* PAGE_SIZE of the kernel's sysfs: the most one write gives a store. */
#define ATTR_STORE_MAX 4096

ssize_t attr_file_store(struct attr_node *node, const char *buf, size_t len)
{
	struct attr_node *outer = attr_current;
	char *copy;
	ssize_t ret;

	if (node->type != ATTR_NODE_FILE || !node->store || !(node->mode & 0222))
		return -EACCES;
	if (!len)
		return 0;
	if (len > ATTR_STORE_MAX)
		len = ATTR_STORE_MAX;
	/* Stores parse text: sysfs hands them a NUL-terminated copy. */
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = 0;
	if (!attr_active_get(node)) {
		free(copy);
		return -ENODEV;
	}
	attr_current = node;
	ret = attr_write(node, copy, len);
	attr_current = outer;
	attr_active_put(node);
	free(copy);
	return ret;
}

static void attr_stat_fill(const struct attr_node *n, struct attr_stat *st)
{
	st->type = n->type;
	st->mode = n->mode;
	st->has_show = n->show != NULL;
	st->has_store = n->store != NULL;
}

int attr_stat_path(struct attr_node *dir, const char *path, struct attr_stat *st)
{
	struct attr_node *n;

	tree_lock();
	n = attr_resolve_locked(dir, path, false);
	if (n)
		attr_stat_fill(n, st);
	tree_unlock();
	return n ? 0 : -ENOENT;
}

int attr_list_dir(struct attr_node *dir, const char *path,
		  int (*fn)(void *data, const char *name, const struct attr_stat *st), void *data)
{
	struct attr_node *n, *c;
	struct attr_stat st;
	int err = 0;

	tree_lock();
	n = attr_resolve_locked(dir, path, true);
	if (!n)
		err = -ENOENT;
	else if (n->type != ATTR_NODE_DIR)
		err = -ENOTDIR;
	for (c = err ? NULL : n->children; c && !err; c = c->next) {
		attr_stat_fill(c, &st);
		err = fn(data, c->name, &st);
	}
	tree_unlock();
	return err;
}

int attr_readlink_path(struct attr_node *dir, const char *path, char *buf, size_t size)
{
	struct attr_node *n;
	int err;

	tree_lock();
	n = attr_resolve_locked(dir, path, false);
	if (!n)
		err = -ENOENT;
	else if (n->type != ATTR_NODE_LINK)
		err = -EINVAL;
	else
		err = attr_link_target_relative(n, buf, size);
	tree_unlock();
	return err;
}
