/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/attr.h - the attribute tree behind sysfs, debugfs and fdinfo.
 *
 * One tree in the core holds every directory, attribute file and symlink under <root>/sys.
 * A file has show/store callbacks, so a read always renders the live value. A publisher
 * (files on disk in embedded mode, acceld's server) is told of every change and serves the
 * tree to readers; accel_attr_read() reads a node directly.
 */
#ifndef ACCEL_ATTR_H
#define ACCEL_ATTR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <accel/compiler.h>

struct attr_node;

/** struct seq_file - growable text buffer a show callback prints into. */
struct seq_file {
	char *buf;
	size_t len;
	size_t size;
	/** @private: the data given when the file was created. */
	void *private;
	/** @node: the file being shown. */
	struct attr_node *node;
};

/** seq_printf() - append formatted text. */
void seq_printf(struct seq_file *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** seq_puts() - append a string. */
void seq_puts(struct seq_file *m, const char *s);

/** attr_show_t - render the file's value into @m; 0 or -errno. */
typedef int (*attr_show_t)(struct seq_file *m);
/** attr_store_t - take a written value; bytes used or -errno. */
typedef ssize_t (*attr_store_t)(struct attr_node *node, void *private, const char *buf, size_t len);

/** enum attr_node_type - what a node of the tree is. */
enum attr_node_type {
	ATTR_NODE_DIR,
	ATTR_NODE_FILE,
	ATTR_NODE_LINK,
};

/**
 * struct attr_node - one directory, file or symlink of the tree.
 *
 * The tree's shape (parent, children, siblings, target) is guarded by the global attr lock
 * taken inside the attr_* calls; show/store run without it so they may take driver locks.
 */
struct attr_node {
	char *name;
	enum attr_node_type type;
	umode_t mode;
	struct attr_node *parent;
	struct attr_node *children;
	struct attr_node *next;
	/*
	 * Guarded by the tree's lock, as the links above: @prev, the sibling before (NULL for
	 * the first); @last_child, a directory's last, where a new child is appended; a
	 * directory's children by name in @hash (@hash_size buckets, chained by @hash_next),
	 * made once it has ATTR_HASH_MIN of them (@n_children): a client's fdinfo directory
	 * holds one file per open file, so a lookup, an append and a removal stay O(1).
	 */
	struct attr_node *prev;
	struct attr_node *last_child;
	struct attr_node **hash;
	struct attr_node *hash_next;
	unsigned int hash_size;
	unsigned int n_children;
	/* files */
	attr_show_t show;
	attr_store_t store;
	void *private;
	/* links */
	struct attr_node *target;
	/*
	 * Held use, for readers outside the core (the FUSE tree, acceld's attribute requests),
	 * guarded by the attr lock: @refs keeps the node's memory (an open file), @active counts
	 * show/store calls running through attr_file_show()/attr_file_store(), which
	 * attr_remove() waits for (so a driver frees @private after its last call, as kernfs
	 * drains active references); @removed: out of the tree; @orphan: removed while held,
	 * so freed at the last attr_put() rather than with its subtree.
	 */
	unsigned int refs;
	unsigned int active;
	bool removed;
	bool orphan;
	/* @events: how many times attr_notify() was called (poll() compares it, as sysfs does). */
	unsigned int events;
};

/** struct attr_publisher - told of every change so it can serve the tree (files, FUSE...). */
struct attr_publisher {
	void (*added)(struct attr_publisher *p, struct attr_node *node);
	void (*removing)(struct attr_publisher *p, struct attr_node *node);
	void (*changed)(struct attr_publisher *p, struct attr_node *node);
};

/** attr_root() - the sysfs directory of the tree, standing for <root>/sys. */
struct attr_node *attr_root(void);
/** attr_proc_root() - the directory standing for <root>/proc (per-client fdinfo). */
struct attr_node *attr_proc_root(void);

/** attr_dir_create() - make (or find) directory @name under @parent (NULL: the root). */
struct attr_node *attr_dir_create(struct attr_node *parent, const char *name);

/** attr_dir_create_path() - make every directory of a '/'-separated @path under @parent. */
struct attr_node *attr_dir_create_path(struct attr_node *parent, const char *path);

/** attr_file_create() - add a file; returns ERR_PTR(-EEXIST) when the name is taken. */
struct attr_node *attr_file_create(struct attr_node *parent, const char *name, umode_t mode,
				   attr_show_t show, attr_store_t store, void *private);

/** attr_link_create() - add a symlink @name under @parent pointing at @target. */
struct attr_node *attr_link_create(struct attr_node *parent, const char *name,
				   struct attr_node *target);

/** attr_remove() - remove @node and everything below it; NULL and ERR_PTR are ignored. */
void attr_remove(struct attr_node *node);

/** attr_lookup() - find a node by a '/'-separated path relative to sys ("class/accel"). */
struct attr_node *attr_lookup(const char *path);
/** attr_lookup_in() - find a node by a path relative to @dir. */
struct attr_node *attr_lookup_in(struct attr_node *dir, const char *path);

/** attr_child() - find the child @name of @dir without following links. */
struct attr_node *attr_child(struct attr_node *dir, const char *name);

/** attr_path() - write the path of @node relative to the root directory ("sys/class/accel"). */
int attr_path(const struct attr_node *node, char *buf, size_t size);

/** attr_link_target_relative() - the relative target text of a link (for readlink). */
int attr_link_target_relative(const struct attr_node *link, char *buf, size_t size);

/**
 * attr_read() - render a file's live value.
 * Returns a malloc'd, NUL-terminated string in *@out (length in *@len) or -errno.
 */
int attr_read(struct attr_node *node, char **out, size_t *len);

/** attr_write() - store @len bytes into a file; bytes used or -errno. */
ssize_t attr_write(struct attr_node *node, const char *buf, size_t len);

/**
 * attr_file_get() - the file at @path under @dir (NULL: the sys directory), links followed,
 * with a reference that keeps the node (not its callbacks: see attr_file_show()) until
 * attr_put(). ERR_PTR(-ENOENT), ERR_PTR(-EISDIR) for a directory.
 */
struct attr_node *attr_file_get(struct attr_node *dir, const char *path);
/** attr_put() - drop the reference attr_file_get() took; a removed node is freed by the last. */
void attr_put(struct attr_node *node);
/**
 * attr_file_show() - attr_read() on a node held with attr_file_get(): -ENODEV once the node
 * was removed; attr_remove() waits for the call to return.
 */
int attr_file_show(struct attr_node *node, char **out, size_t *len);
/**
 * attr_file_store() - store @len bytes (at most PAGE_SIZE are given, NUL-terminated, as
 * sysfs gives them) into a node held with attr_file_get(): the bytes the store used, 0 for
 * an empty write (the store is not called), -EACCES without a store or write permission,
 * -ENODEV once removed, or the store's -errno.
 */
ssize_t attr_file_store(struct attr_node *node, const char *buf, size_t len);
/** attr_events() - the number of notifications of @node so far (for poll). */
unsigned int attr_events(struct attr_node *node);

/** struct attr_stat - what stat() of a node shows. */
struct attr_stat {
	enum attr_node_type type;
	umode_t mode;
	/* files: there is a show / a store callback */
	bool has_show;
	bool has_store;
};

/**
 * attr_stat_path() - describe the node at @path under @dir without following a final link:
 * 0 or -ENOENT.
 */
int attr_stat_path(struct attr_node *dir, const char *path, struct attr_stat *st);
/**
 * attr_list_dir() - call @fn for each entry of the directory at @path under @dir, in
 * creation order, with the tree locked (@fn must not call back into the drivers); stops at
 * @fn's non-zero result, which it returns. -ENOENT, -ENOTDIR.
 */
int attr_list_dir(struct attr_node *dir, const char *path,
		  int (*fn)(void *data, const char *name, const struct attr_stat *st), void *data);
/** attr_readlink_path() - the relative target of the link at @path under @dir; 0 or -errno. */
int attr_readlink_path(struct attr_node *dir, const char *path, char *buf, size_t size);

/** attr_notify() - tell the publisher that @node's value changed. */
void attr_notify(struct attr_node *node);

/** attr_set_publisher() - install the publisher; it is told of every existing node. */
void attr_set_publisher(struct attr_publisher *p);

/** attr_for_each() - visit every node in pre-order (for publishers); stops on non-zero. */
int attr_for_each(struct attr_node *from, int (*fn)(struct attr_node *node, void *data), void *data);

#endif
