// SPDX-License-Identifier: MIT
/*
 * Compiled program files (compiler/program_file.h; the layout: docs/compiler.md, "Program
 * files"). Everything is little-endian and written field by field, so that the layout does
 * not depend on a compiler's struct padding.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accelrt.h>
#include <uapi/drm/vnpu_accel.h>

#include "compiler/onnx_export.h"
#include "compiler/onnx_import.h"
#include "compiler/program_file.h"

#define HEADER_SIZE 48u
#define SECTION_ENTRY_SIZE 24u
#define INFO_SIZE 80u
#define RELOC_SIZE 24u
#define STAGE_SIZE 32u
#define SLOT_SIZE 32u
#define TENSOR_SLOT_SIZE 16u
#define IO_SIZE (16u + 8u * IR_MAX_RANK)
#define PROFILE_HEAD_SIZE 8u
#define PROFILE_ENTRY_SIZE 8u
#define NO_STRING UINT32_MAX
#define SLOT_HAS_DATA (1u << 0)
/* A packed slot: its record's offset is its packing packet's in the constants, its last u64
 * its source slot (docs/compiler.md, "Program files"). */
#define SLOT_PACKED (1u << 1)
/* The largest file program_file_read() loads (as ONNX_IMPORT_MAX_FILE for models). */
#define MAX_FILE (2LL << 30)

enum section_id {
	SEC_INFO = 1,
	SEC_STRINGS,
	SEC_STREAM,
	SEC_RELOCS,
	SEC_STAGES,
	SEC_HOST_NODES,
	SEC_SLOTS,
	SEC_CONSTS,
	SEC_TENSOR_SLOTS,
	SEC_GRAPH,
	SEC_IO,
	SEC_PROFILE,		/* from version 2 */
	SEC_COUNT = SEC_PROFILE,
};

/* The sections a file of version @v has: all of them but those added since. */
static unsigned int sections_of_version(uint32_t v)
{
	return v >= 2 ? SEC_COUNT : SEC_IO;
}

static int __attribute__((format(printf, 4, 5)))
pf_fail(char *err, size_t err_len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- writing ---- */

/* A growing byte buffer; @failed latches the first allocation failure. */
struct wbuf {
	uint8_t *b;
	size_t len, cap;
	bool failed;
};

static void *wb_reserve(struct wbuf *w, size_t n)
{
	/* Nothing to place (an empty section may have no buffer at all). */
	if (w->failed || !n)
		return NULL;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *b;

		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->b, cap);
		if (!b) {
			w->failed = true;
			return NULL;
		}
		w->b = b;
		w->cap = cap;
	}
	w->len += n;
	return w->b + w->len - n;
}

static void wb_bytes(struct wbuf *w, const void *p, size_t n)
{
	void *d = wb_reserve(w, n);

	if (d && n)
		memcpy(d, p, n);
}

static void wb_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	wb_bytes(w, b, 4);
}

static void wb_u64(struct wbuf *w, uint64_t v)
{
	wb_u32(w, (uint32_t)v);
	wb_u32(w, (uint32_t)(v >> 32));
}

static void wb_f64(struct wbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	wb_u64(w, v);
}

/* A string into the string table: its offset there. */
static uint32_t wb_string(struct wbuf *strings, const char *s)
{
	uint32_t off = (uint32_t)strings->len;

	wb_bytes(strings, s, strlen(s) + 1);
	return off;
}

/* The tensor a host node is named by in the file: its first output (written by no other). */
static int host_node_name(const struct ir_graph *g, size_t idx)
{
	const struct ir_node *n = g->nodes[idx];

	for (size_t o = 0; o < n->n_outputs; o++)
		if (n->outputs[o] >= 0)
			return n->outputs[o];
	return -1;
}

static void encode_io(struct wbuf *io, struct wbuf *strings, const struct ir_graph *g,
		      uint32_t kind, int t)
{
	const struct ir_tensor *x = g->tensors[t];

	wb_u32(io, kind);
	wb_u32(io, wb_string(strings, x->name));
	wb_u32(io, (uint32_t)x->dtype);
	wb_u32(io, (uint32_t)x->rank);
	for (int d = 0; d < IR_MAX_RANK; d++)
		wb_u64(io, d < x->rank ? (uint64_t)x->dims[d] : 0);
}

/*
 * The profile section: the profile slot and the timestamp count, each stage's timestamps,
 * then each device node (named by its first output, as host nodes are) with the index of
 * the timestamp ending its packets.
 */
static int encode_profile(struct wbuf *w, struct wbuf *strings, const struct ir_graph *g,
			  const struct vnpu_prog *p, char *err, size_t err_len)
{
	wb_u32(w, (uint32_t)(p->profile_slot + 1));
	wb_u32(w, p->profile_slot >= 0 ? p->n_timestamps : 0);
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];
		bool has = p->profile_slot >= 0 && !s->host && s->ts_first >= 0;

		wb_u32(w, has ? (uint32_t)s->ts_first + 1 : 0);
		wb_u32(w, has ? s->n_ts : 0);
	}
	for (size_t i = 0; p->profile_slot >= 0 && p->node_ts && i < p->n_graph_nodes; i++) {
		int t;

		if (p->node_ts[i] < 0)
			continue;
		t = i < g->n_nodes ? host_node_name(g, i) : -1;
		if (t < 0)
			return pf_fail(err, err_len, -EINVAL, "device node %zu has no output", i);
		wb_u32(w, wb_string(strings, g->tensors[t]->name));
		wb_u32(w, (uint32_t)p->node_ts[i]);
	}
	return 0;
}

int program_file_encode(const struct ir_graph *g, const struct vnpu_prog *p,
			const struct program_file_meta *meta, void **buf, size_t *len,
			char *err, size_t err_len)
{
	struct wbuf sec[SEC_COUNT + 1] = { 0 }, out = { 0 };
	struct wbuf *strings = &sec[SEC_STRINGS];
	uint32_t host_first = 0;
	void *onnx = NULL;
	size_t onnx_len = 0;
	uint8_t device[16] = { 0 };
	uint64_t off;
	int ret;

	ret = onnx_export_buffer(g, &onnx, &onnx_len);
	if (ret) {
		pf_fail(err, err_len, ret, "exporting the graph: %s", strerror(-ret));
		goto out;
	}
	wb_bytes(&sec[SEC_GRAPH], onnx, onnx_len);

	wb_u32(&sec[SEC_INFO], p->n_packets);
	wb_u32(&sec[SEC_INFO], p->n_nodes_device);
	wb_u32(&sec[SEC_INFO], p->n_nodes_alias);
	wb_u32(&sec[SEC_INFO], p->n_nodes_host);
	wb_u32(&sec[SEC_INFO], p->n_nodes_const);
	wb_u32(&sec[SEC_INFO], 0);
	wb_u64(&sec[SEC_INFO], meta->nodes_before);
	wb_u64(&sec[SEC_INFO], meta->nodes_after);
	wb_f64(&sec[SEC_INFO], p->flops_device);
	wb_f64(&sec[SEC_INFO], p->flops_host);
	wb_u64(&sec[SEC_INFO], p->mem_peak);
	wb_u64(&sec[SEC_INFO], p->mem_lower_bound);
	wb_u32(&sec[SEC_INFO], (uint32_t)(p->arena_slot + 1));
	wb_u32(&sec[SEC_INFO], (uint32_t)(p->sem_slot + 1));

	wb_bytes(&sec[SEC_STREAM], p->stream, p->len);
	for (unsigned int i = 0; i < p->nrelocs; i++) {
		wb_u64(&sec[SEC_RELOCS], p->relocs[i].offset);
		wb_u32(&sec[SEC_RELOCS], p->relocs[i].slot);
		wb_u32(&sec[SEC_RELOCS], 0);
		wb_u64(&sec[SEC_RELOCS], p->relocs[i].addend);
	}
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];
		struct wbuf *st = &sec[SEC_STAGES];

		wb_u32(st, s->host);
		wb_u32(st, s->host ? 0 : s->reloc_first);
		wb_u32(st, s->host ? 0 : s->nrelocs);
		wb_u32(st, s->host ? 0 : s->flags);
		if (!s->host) {
			wb_u64(st, s->offset);
			wb_u64(st, s->len);
			continue;
		}
		wb_u64(st, host_first);
		wb_u64(st, s->n_nodes);
		host_first += (uint32_t)s->n_nodes;
		for (size_t k = 0; k < s->n_nodes; k++) {
			int t = s->nodes[k] < g->n_nodes ? host_node_name(g, s->nodes[k]) : -1;

			if (t < 0) {
				ret = pf_fail(err, err_len, -EINVAL, "host stage %u: node %zu has no output",
					      i, s->nodes[k]);
				goto out;
			}
			wb_u32(&sec[SEC_HOST_NODES], wb_string(strings, g->tensors[t]->name));
		}
	}
	for (unsigned int i = 0; i < p->nslots; i++) {
		const struct vnpu_prog_slot *s = &p->slots[i];

		wb_u64(&sec[SEC_SLOTS], s->size);
		wb_u32(&sec[SEC_SLOTS], s->tensor >= 0 && (size_t)s->tensor < g->n_tensors ?
		       wb_string(strings, g->tensors[s->tensor]->name) : NO_STRING);
		if (s->packed) {
			wb_u32(&sec[SEC_SLOTS], SLOT_PACKED);
			wb_u64(&sec[SEC_SLOTS], sec[SEC_CONSTS].len);
			wb_u64(&sec[SEC_SLOTS], s->pack_src);
			/* packets are stored as the device reads them, as the stream's are */
			wb_bytes(&sec[SEC_CONSTS], &s->pack, sizeof(s->pack));
			continue;
		}
		wb_u32(&sec[SEC_SLOTS], s->data ? SLOT_HAS_DATA : 0);
		wb_u64(&sec[SEC_SLOTS], s->data ? sec[SEC_CONSTS].len : 0);
		wb_u64(&sec[SEC_SLOTS], 0);
		if (s->data)
			wb_bytes(&sec[SEC_CONSTS], s->data, s->size);
	}
	for (size_t t = 0; t < p->n_tensors && t < g->n_tensors; t++) {
		if (p->tensor_slot[t] < 0)
			continue;
		wb_u32(&sec[SEC_TENSOR_SLOTS], wb_string(strings, g->tensors[t]->name));
		wb_u32(&sec[SEC_TENSOR_SLOTS], (uint32_t)p->tensor_slot[t]);
		wb_u64(&sec[SEC_TENSOR_SLOTS], p->tensor_offset ? p->tensor_offset[t] : 0);
	}
	ret = encode_profile(&sec[SEC_PROFILE], strings, g, p, err, err_len);
	if (ret)
		goto out;
	for (size_t i = 0; i < g->n_inputs; i++)
		encode_io(&sec[SEC_IO], strings, g, 0, g->inputs[i]);
	for (size_t i = 0; i < g->n_outputs; i++)
		encode_io(&sec[SEC_IO], strings, g, 1, g->outputs[i]);

	/* The header, the section table, then the sections in id order, each 8-byte aligned. */
	wb_bytes(&out, PROGRAM_FILE_MAGIC, PROGRAM_FILE_MAGIC_LEN);
	wb_u32(&out, PROGRAM_FILE_VERSION);
	wb_u32(&out, HEADER_SIZE);
	memcpy(device, PROGRAM_FILE_DEVICE_VNPU, sizeof(PROGRAM_FILE_DEVICE_VNPU));
	wb_bytes(&out, device, sizeof(device));
	wb_u64(&out, (uint64_t)meta->batch);
	wb_u32(&out, SEC_COUNT);
	wb_u32(&out, meta->flags);
	off = HEADER_SIZE + SEC_COUNT * SECTION_ENTRY_SIZE;
	for (unsigned int id = 1; id <= SEC_COUNT; id++) {
		wb_u32(&out, id);
		wb_u32(&out, 0);
		wb_u64(&out, off);
		wb_u64(&out, sec[id].len);
		off += (sec[id].len + 7) & ~(uint64_t)7;
	}
	for (unsigned int id = 1; id <= SEC_COUNT; id++) {
		static const uint8_t zeros[8];

		wb_bytes(&out, sec[id].b, sec[id].len);
		wb_bytes(&out, zeros, (8 - sec[id].len % 8) % 8);
		if (sec[id].failed)
			out.failed = true;
	}
	if (out.failed) {
		ret = pf_fail(err, err_len, -ENOMEM, "out of memory");
		goto out;
	}
	*buf = out.b;
	*len = out.len;
	out.b = NULL;
out:
	for (unsigned int id = 0; id <= SEC_COUNT; id++)
		free(sec[id].b);
	free(out.b);
	free(onnx);
	return ret;
}

int program_file_write(const char *path, const struct ir_graph *g, const struct vnpu_prog *p,
		       const struct program_file_meta *meta, char *err, size_t err_len)
{
	size_t len, done = 0;
	void *buf;
	int fd, ret = program_file_encode(g, p, meta, &buf, &len, err, err_len);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = pf_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, (char *)buf + done, len - done);

		if (n < 0) {
			ret = pf_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) && !ret)
		ret = pf_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
out:
	free(buf);
	return ret;
}

/* ---- reading ---- */

static uint32_t rd_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(const uint8_t *p)
{
	return rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

static double rd_f64(const uint8_t *p)
{
	uint64_t v = rd_u64(p);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* What the decoder has checked so far. */
struct rctx {
	const uint8_t *sec[SEC_COUNT + 1];
	uint64_t sec_len[SEC_COUNT + 1];
	char *err;
	size_t err_len;
};

static const char *const section_names[SEC_COUNT + 1] = {
	[SEC_INFO] = "info", [SEC_STRINGS] = "strings", [SEC_STREAM] = "stream",
	[SEC_RELOCS] = "relocs", [SEC_STAGES] = "stages", [SEC_HOST_NODES] = "host nodes",
	[SEC_SLOTS] = "slots", [SEC_CONSTS] = "constants", [SEC_TENSOR_SLOTS] = "tensor slots",
	[SEC_GRAPH] = "graph", [SEC_IO] = "inputs and outputs", [SEC_PROFILE] = "profile",
};

/* The string at offset @ref of the string table, or NULL when it is not one. */
static const char *rd_string(const struct rctx *c, uint32_t ref)
{
	const char *s = (const char *)c->sec[SEC_STRINGS];

	if (ref >= c->sec_len[SEC_STRINGS] || !memchr(s + ref, '\0', c->sec_len[SEC_STRINGS] - ref))
		return NULL;
	return s + ref;
}

/* Section @id holds whole records of @size bytes: their count in *@n. */
static int records(struct rctx *c, unsigned int id, size_t size, size_t *n)
{
	if (c->sec_len[id] % size)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: %s section of %llu bytes, not records of %zu",
			       section_names[id], (unsigned long long)c->sec_len[id], size);
	*n = c->sec_len[id] / size;
	return 0;
}

static int decode_header(struct rctx *c, const uint8_t *b, size_t len, struct program_file *pf)
{
	unsigned int nids;
	uint32_t nsec;

	if (len < HEADER_SIZE || memcmp(b, PROGRAM_FILE_MAGIC, PROGRAM_FILE_MAGIC_LEN))
		return pf_fail(c->err, c->err_len, -EINVAL, len < HEADER_SIZE &&
			       len >= PROGRAM_FILE_MAGIC_LEN && !memcmp(b, PROGRAM_FILE_MAGIC,
			       PROGRAM_FILE_MAGIC_LEN) ? "program file: truncated header (%zu bytes)" :
			       "not a program file (%zu bytes, no " PROGRAM_FILE_MAGIC " magic)", len);
	pf->version = rd_u32(b + 8);
	if (pf->version < PROGRAM_FILE_VERSION_MIN || pf->version > PROGRAM_FILE_VERSION)
		return pf_fail(c->err, c->err_len, -EOPNOTSUPP,
			       "program file: format version %u, this build reads versions %u to %u",
			       pf->version, PROGRAM_FILE_VERSION_MIN, PROGRAM_FILE_VERSION);
	nids = sections_of_version(pf->version);
	if (rd_u32(b + 12) != HEADER_SIZE)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: header size %u, not %u",
			       rd_u32(b + 12), HEADER_SIZE);
	memcpy(pf->device, b + 16, sizeof(pf->device));
	if (pf->device[sizeof(pf->device) - 1])
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: unterminated device kind");
	if (strcmp(pf->device, PROGRAM_FILE_DEVICE_VNPU))
		return pf_fail(c->err, c->err_len, -EOPNOTSUPP,
			       "program file: compiled for device kind '%s', not '%s'", pf->device,
			       PROGRAM_FILE_DEVICE_VNPU);
	pf->meta.batch = (int64_t)rd_u64(b + 32);
	nsec = rd_u32(b + 40);
	pf->meta.flags = rd_u32(b + 44);
	if (pf->meta.flags & ~PROGRAM_FILE_FLAG_PASSES)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: unknown flags 0x%x",
			       pf->meta.flags);
	if (pf->meta.batch < 0)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: negative batch");
	if (nsec > (len - HEADER_SIZE) / SECTION_ENTRY_SIZE)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: truncated section table (%u sections, %zu bytes)", nsec,
			       len);
	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *e = b + HEADER_SIZE + (size_t)i * SECTION_ENTRY_SIZE;
		uint32_t id = rd_u32(e);
		uint64_t off = rd_u64(e + 8), slen = rd_u64(e + 16);

		if (id < 1 || id > nids || c->sec[id])
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: section %u: %s id %u", i,
				       id < 1 || id > nids ? "unknown" : "repeated", id);
		if (off < HEADER_SIZE + (uint64_t)nsec * SECTION_ENTRY_SIZE || off > len ||
		    slen > len - off)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: %s section [%llu, +%llu) outside the file "
				       "(%zu bytes: truncated?)", section_names[id],
				       (unsigned long long)off, (unsigned long long)slen, len);
		c->sec[id] = b + off;
		c->sec_len[id] = slen;
	}
	for (unsigned int id = 1; id <= nids; id++)
		if (!c->sec[id])
			return pf_fail(c->err, c->err_len, -EINVAL, "program file: no %s section",
				       section_names[id]);
	if (c->sec_len[SEC_INFO] != INFO_SIZE)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: info section of %llu bytes",
			       (unsigned long long)c->sec_len[SEC_INFO]);
	return 0;
}

static void decode_info(struct rctx *c, struct program_file *pf)
{
	const uint8_t *i = c->sec[SEC_INFO];
	struct vnpu_prog *p = pf->prog;
	uint32_t arena, sem;

	p->n_packets = rd_u32(i);
	p->n_nodes_device = rd_u32(i + 4);
	p->n_nodes_alias = rd_u32(i + 8);
	p->n_nodes_host = rd_u32(i + 12);
	p->n_nodes_const = rd_u32(i + 16);
	pf->meta.nodes_before = rd_u64(i + 24);
	pf->meta.nodes_after = rd_u64(i + 32);
	p->flops_device = rd_f64(i + 40);
	p->flops_host = rd_f64(i + 48);
	p->mem_peak = rd_u64(i + 56);
	p->mem_lower_bound = rd_u64(i + 64);
	/*
	 * Stored + 1 (0: none); checked against the slot count once the slots are read
	 * (decode_tensor_slots()): a value past INT_MAX becomes -2, which that check refuses.
	 */
	arena = rd_u32(i + 72);
	p->arena_slot = arena > (uint32_t)INT_MAX ? -2 : (int)arena - 1;
	/* The semaphore slot, likewise (0 in files without chained stages). */
	sem = rd_u32(i + 76);
	p->sem_slot = sem > (uint32_t)INT_MAX ? -2 : (int)sem - 1;
}

/* The stream and its relocations, checked as accelrt_program_add_stream() would. */
static int decode_stream(struct rctx *c, struct vnpu_prog *p)
{
	size_t n = 0;
	int ret;

	p->len = c->sec_len[SEC_STREAM];
	p->stream = malloc(p->len ? p->len : 1);
	if (!p->stream)
		return -ENOMEM;
	memcpy(p->stream, c->sec[SEC_STREAM], p->len);
	ret = records(c, SEC_RELOCS, RELOC_SIZE, &n);
	if (ret)
		return ret;
	if (n > UINT32_MAX)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: too many relocations");
	p->nrelocs = (unsigned int)n;
	p->relocs = calloc(n ? n : 1, sizeof(*p->relocs));
	if (!p->relocs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = c->sec[SEC_RELOCS] + i * RELOC_SIZE;

		p->relocs[i].offset = rd_u64(r);
		p->relocs[i].slot = rd_u32(r + 8);
		p->relocs[i].pad = rd_u32(r + 12);
		p->relocs[i].addend = rd_u64(r + 16);
		if (p->relocs[i].pad)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: relocation %zu: non-zero pad", i);
	}
	return 0;
}

/*
 * Packed slot @i of @n: its packing packet at @off in the constants and its source slot
 * @src. The packet is checked as far as the file can tell (a CONV2D packet, whole, no
 * packing flag, no address); the device checks the rest when the loader runs it.
 */
static int decode_packed_slot(struct rctx *c, struct vnpu_prog *p, size_t i, uint64_t off,
			      uint64_t src, size_t n)
{
	struct vnpu_pkt_conv2d *pk = &p->slots[i].pack;
	size_t len = VNPU_PKT_CONV2D_SIZE_V1;

	if (src >= n || src == i)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: slot %zu: packed from slot %llu of %zu", i,
			       (unsigned long long)src, n);
	if (off > c->sec_len[SEC_CONSTS] || len > c->sec_len[SEC_CONSTS] - off)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: slot %zu: packing packet at %llu outside the constants",
			       i, (unsigned long long)off);
	/*
	 * Files written before CONV2D's act_alpha/act_beta were appended hold the first
	 * version's packet: its appended fields read as zero, as the device reads them.
	 */
	memset(pk, 0, sizeof(*pk));
	memcpy(pk, c->sec[SEC_CONSTS] + off, len);
	if (pk->hdr.length == sizeof(*pk) / 4) {
		len = sizeof(*pk);
		if (len > c->sec_len[SEC_CONSTS] - off)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: slot %zu: packing packet outside the constants",
				       i);
		memcpy(pk, c->sec[SEC_CONSTS] + off, len);
	}
	if (pk->hdr.opcode != VNPU_OP_CONV2D || pk->hdr.length != len / 4 ||
	    pk->hdr.flags & ~VNPU_CONV2D_F_BIAS || pk->src_va || pk->wei_va || pk->bias_va ||
	    pk->dst_va)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: slot %zu: bad packing packet", i);
	p->slots[i].packed = true;
	p->slots[i].pack_src = (unsigned int)src;
	return 0;
}

static int decode_slots(struct rctx *c, struct vnpu_prog *p)
{
	size_t n = 0;
	int ret = records(c, SEC_SLOTS, SLOT_SIZE, &n);

	if (ret)
		return ret;
	if (n > ACCELRT_MAX_SLOTS)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: %zu slots, at most %u", n,
			       ACCELRT_MAX_SLOTS);
	p->slots = calloc(n ? n : 1, sizeof(*p->slots));
	if (!p->slots)
		return -ENOMEM;
	p->nslots = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = c->sec[SEC_SLOTS] + i * SLOT_SIZE;
		uint64_t size = rd_u64(s), off = rd_u64(s + 16);
		uint32_t flags = rd_u32(s + 12);

		/* The slot's tensor: resolved against the graph once it is read back. */
		if (rd_u32(s + 8) != NO_STRING && !rd_string(c, rd_u32(s + 8)))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: slot %zu: bad tensor name", i);
		p->slots[i].tensor = -1;
		p->slots[i].size = size;
		if (!size || flags & ~(SLOT_HAS_DATA | SLOT_PACKED) ||
		    flags == (SLOT_HAS_DATA | SLOT_PACKED) || (!(flags & SLOT_PACKED) && rd_u64(s + 24)))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: slot %zu: size %llu, flags 0x%x", i,
				       (unsigned long long)size, flags);
		if (flags & SLOT_PACKED) {
			ret = decode_packed_slot(c, p, i, off, rd_u64(s + 24), n);
			if (ret)
				return ret;
			continue;
		}
		if (!(flags & SLOT_HAS_DATA))
			continue;
		if (off > c->sec_len[SEC_CONSTS] || size > c->sec_len[SEC_CONSTS] - off)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: slot %zu: data [%llu, +%llu) outside the constants "
				       "(%llu bytes)", i, (unsigned long long)off,
				       (unsigned long long)size,
				       (unsigned long long)c->sec_len[SEC_CONSTS]);
		p->slots[i].data = malloc(size);
		if (!p->slots[i].data)
			return -ENOMEM;
		memcpy(p->slots[i].data, c->sec[SEC_CONSTS] + off, size);
	}
	/* A packed slot is made from the contents of a slot that is no packed slot. */
	for (unsigned int i = 0; i < p->nslots; i++)
		if (p->slots[i].packed && !p->slots[p->slots[i].pack_src].data)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: slot %u: packed from slot %u, which has no contents",
				       i, p->slots[i].pack_src);
	/* Relocations name slots: now that their count is known. */
	for (unsigned int i = 0; i < p->nrelocs; i++)
		if (p->relocs[i].slot >= p->nslots)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: relocation %u: slot %u of %u", i,
				       p->relocs[i].slot, p->nslots);
	return 0;
}

/* The index of the node of @g writing tensor @t, or -1. */
static long producer(const struct ir_graph *g, int t)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		for (size_t o = 0; o < g->nodes[i]->n_outputs; o++)
			if (g->nodes[i]->outputs[o] == t)
				return (long)i;
	return -1;
}

static int decode_stages(struct rctx *c, struct program_file *pf)
{
	struct vnpu_prog *p = pf->prog;
	size_t n = 0, n_host = 0;
	int ret;

	ret = records(c, SEC_STAGES, STAGE_SIZE, &n);
	if (!ret)
		ret = records(c, SEC_HOST_NODES, 4, &n_host);
	if (ret)
		return ret;
	if (!n || n > UINT32_MAX)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: %zu stages", n);
	p->stages = calloc(n, sizeof(*p->stages));
	if (!p->stages)
		return -ENOMEM;
	p->nstages = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = c->sec[SEC_STAGES] + i * STAGE_SIZE;
		struct vnpu_prog_stage *s = &p->stages[i];
		uint32_t kind = rd_u32(r), rfirst = rd_u32(r + 4), nrel = rd_u32(r + 8);
		uint64_t first = rd_u64(r + 16), count = rd_u64(r + 24);

		uint32_t flags = rd_u32(r + 12);

		s->ts_first = -1;
		if (kind > 1 || (flags & ~VNPU_STAGE_FLAGS_ALL) || (kind == 1 && flags))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: stage %zu: kind %u, flags 0x%x", i, kind, flags);
		s->flags = flags;
		if (kind == 1) {
			s->host = true;
			if (rfirst || nrel || !count || first > n_host || count > n_host - first)
				return pf_fail(c->err, c->err_len, -EINVAL,
					       "program file: host stage %zu: nodes [%llu, +%llu) of %zu",
					       i, (unsigned long long)first,
					       (unsigned long long)count, n_host);
			s->nodes = calloc(count, sizeof(*s->nodes));
			if (!s->nodes)
				return -ENOMEM;
			s->n_nodes = count;
			for (uint64_t k = 0; k < count; k++) {
				uint32_t ref = rd_u32(c->sec[SEC_HOST_NODES] + (first + k) * 4);
				const char *name = rd_string(c, ref);
				int t = name ? ir_graph_find_tensor(pf->g, name) : -1;
				long node = t >= 0 ? producer(pf->g, t) : -1;

				if (node < 0)
					return pf_fail(c->err, c->err_len, -EINVAL,
						       "program file: host stage %zu: no node of the "
						       "graph writes '%s'", i, name ? name : "?");
				s->nodes[k] = (size_t)node;
			}
			continue;
		}
		if (first % 8 || count % 8 || count < 8 || count > VNPU_MAX_CMD_SIZE ||
		    first > p->len || count > p->len - first)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: device stage %zu: packets [%llu, +%llu) of a "
				       "%zu-byte stream", i, (unsigned long long)first,
				       (unsigned long long)count, p->len);
		if (rfirst > p->nrelocs || nrel > p->nrelocs - rfirst)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: device stage %zu: relocations [%u, +%u) of %u",
				       i, rfirst, nrel, p->nrelocs);
		for (uint32_t k = rfirst; k < rfirst + nrel; k++)
			if (p->relocs[k].offset % 8 || p->relocs[k].offset > count - 8)
				return pf_fail(c->err, c->err_len, -EINVAL,
					       "program file: relocation %u at %llu, outside its "
					       "%llu-byte stage", k,
					       (unsigned long long)p->relocs[k].offset,
					       (unsigned long long)count);
		s->offset = first;
		s->len = count;
		s->reloc_first = rfirst;
		s->nrelocs = nrel;
	}
	return 0;
}

/*
 * Which slot holds each tensor of the graph read back, and each slot's tensor; every tensor
 * with a slot must fit it (host kernels read and write whole tensors).
 */
static int decode_tensor_slots(struct rctx *c, struct program_file *pf)
{
	struct vnpu_prog *p = pf->prog;
	const struct ir_graph *g = pf->g;
	size_t n = 0;
	int ret = records(c, SEC_TENSOR_SLOTS, TENSOR_SLOT_SIZE, &n);

	if (ret)
		return ret;
	p->n_tensors = g->n_tensors;
	p->tensor_slot = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(int));
	p->tensor_offset = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(uint64_t));
	if (!p->tensor_slot || !p->tensor_offset)
		return -ENOMEM;
	if (p->arena_slot < -1 || p->arena_slot >= (int)p->nslots)
		return pf_fail(c->err, c->err_len, -EINVAL, "program file: arena slot %d of %u slots",
			       p->arena_slot, p->nslots);
	/* The runtime zeroes the semaphores: a slot of its own, of whole u64 words. */
	if (p->sem_slot < -1 || p->sem_slot >= (int)p->nslots ||
	    (p->sem_slot >= 0 && p->sem_slot == p->arena_slot) ||
	    (p->sem_slot >= 0 && (p->slots[p->sem_slot].data ||
				  p->slots[p->sem_slot].size % 8)))
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: semaphore slot %d of %u slots", p->sem_slot, p->nslots);
	for (size_t t = 0; t < g->n_tensors; t++)
		p->tensor_slot[t] = -1;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = c->sec[SEC_TENSOR_SLOTS] + i * TENSOR_SLOT_SIZE;
		const char *name = rd_string(c, rd_u32(r));
		uint32_t slot = rd_u32(r + 4);
		uint64_t offset = rd_u64(r + 8);
		const struct ir_tensor *x;
		int t = name ? ir_graph_find_tensor(g, name) : -1;

		if (!name || slot >= p->nslots)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: tensor slot %zu: bad name or slot %u", i, slot);
		/* A value the export dropped (one no node reads at run time) keeps no slot. */
		if (t < 0)
			continue;
		x = g->tensors[t];
		if (offset > p->slots[slot].size ||
		    (!x->data && (uint64_t)ir_tensor_numel(x) * ir_dtype_size(x->dtype) >
				p->slots[slot].size - offset))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: tensor '%s' at %llu does not fit slot %u (%llu bytes)",
				       name, (unsigned long long)offset, slot,
				       (unsigned long long)p->slots[slot].size);
		p->tensor_slot[t] = (int)slot;
		p->tensor_offset[t] = offset;
	}
	for (unsigned int i = 0; i < p->nslots; i++) {
		uint32_t ref = rd_u32(c->sec[SEC_SLOTS] + (size_t)i * SLOT_SIZE + 8);
		int t = ref == NO_STRING ? -1 : ir_graph_find_tensor(g, rd_string(c, ref));

		p->slots[i].tensor = t >= 0 ? t : -1;
	}
	return 0;
}

/* The recorded inputs and outputs are the graph's, each with a slot (a run fills them). */
static int decode_io(struct rctx *c, struct program_file *pf)
{
	const struct ir_graph *g = pf->g;
	size_t n = 0, k = 0;
	int ret = records(c, SEC_IO, IO_SIZE, &n);

	if (ret)
		return ret;
	if (n != g->n_inputs + g->n_outputs)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: %zu inputs and outputs, the graph has %zu", n,
			       g->n_inputs + g->n_outputs);
	for (uint32_t kind = 0; kind < 2; kind++) {
		size_t count = kind ? g->n_outputs : g->n_inputs;

		for (size_t i = 0; i < count; i++, k++) {
			const uint8_t *r = c->sec[SEC_IO] + k * IO_SIZE;
			const struct ir_tensor *x = g->tensors[kind ? g->outputs[i] : g->inputs[i]];
			const char *name = rd_string(c, rd_u32(r + 4));
			bool same = rd_u32(r) == kind && name && !strcmp(name, x->name) &&
				    rd_u32(r + 8) == (uint32_t)x->dtype &&
				    rd_u32(r + 12) == (uint32_t)x->rank;

			for (int d = 0; same && d < x->rank; d++)
				same = rd_u64(r + 16 + 8 * d) == (uint64_t)x->dims[d];
			if (!same)
				return pf_fail(c->err, c->err_len, -EINVAL,
					       "program file: %s %zu is not the graph's '%s'",
					       kind ? "output" : "input", i, x->name);
			if (pf->prog->tensor_slot[kind ? g->outputs[i] : g->inputs[i]] < 0)
				return pf_fail(c->err, c->err_len, -EINVAL,
					       "program file: %s '%s' has no slot",
					       kind ? "output" : "input", x->name);
		}
	}
	return 0;
}

/* Timestamp @k ends a node in a device stage of @p: inside its range, past its start. */
static bool ts_ends_a_node(const struct vnpu_prog *p, uint32_t k)
{
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->ts_first >= 0 && k > (uint32_t)s->ts_first &&
		    k - (uint32_t)s->ts_first < s->n_ts)
			return true;
	}
	return false;
}

/*
 * The profile (from version 2; a version 1 file has none): a slot without contents outside
 * the arena holding every timestamp, each device stage's timestamps among them, and each
 * device node's timestamp one of its stage's past the start, so that the per-node times
 * (vnpu_prog_node_times()) only read timestamps of the slot.
 */
static int decode_profile(struct rctx *c, struct program_file *pf)
{
	struct vnpu_prog *p = pf->prog;
	const struct ir_graph *g = pf->g;
	const uint8_t *r = c->sec[SEC_PROFILE];
	uint64_t len = c->sec_len[SEC_PROFILE];
	uint64_t head = PROFILE_HEAD_SIZE + (uint64_t)p->nstages * PROFILE_ENTRY_SIZE;
	uint32_t slot1, n_ts;

	p->profile_slot = -1;
	p->n_graph_nodes = g->n_nodes;
	p->node_ts = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(int));
	if (!p->node_ts)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_nodes; i++)
		p->node_ts[i] = -1;
	if (!r)
		return 0;
	if (len < head || (len - head) % PROFILE_ENTRY_SIZE)
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: profile section of %llu bytes for %u stages",
			       (unsigned long long)len, p->nstages);
	slot1 = rd_u32(r);
	n_ts = rd_u32(r + 4);
	if (!slot1 ? n_ts != 0 : slot1 > p->nslots || (int)slot1 - 1 == p->arena_slot ||
	    p->slots[slot1 - 1].data || !n_ts || n_ts > INT_MAX ||
	    n_ts > p->slots[slot1 - 1].size / sizeof(uint64_t))
		return pf_fail(c->err, c->err_len, -EINVAL,
			       "program file: profile slot %u (+ 1) with %u timestamps", slot1, n_ts);
	p->profile_slot = (int)slot1 - 1;
	p->n_timestamps = n_ts;
	for (unsigned int i = 0; i < p->nstages; i++) {
		const uint8_t *e = r + PROFILE_HEAD_SIZE + (size_t)i * PROFILE_ENTRY_SIZE;
		struct vnpu_prog_stage *s = &p->stages[i];
		uint32_t first1 = rd_u32(e), count = rd_u32(e + 4);

		if (!first1 && !count)
			continue;
		if (!first1 || s->host || !count || first1 - 1 >= n_ts || count > n_ts - (first1 - 1))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: %s stage %u: timestamps %u (+ 1), %u of %u",
				       s->host ? "host" : "device", i, first1, count, n_ts);
		s->ts_first = (int)first1 - 1;
		s->n_ts = count;
	}
	for (uint64_t off = head; off < len; off += PROFILE_ENTRY_SIZE) {
		const char *name = rd_string(c, rd_u32(r + off));
		uint32_t k = rd_u32(r + off + 4);
		int t = name ? ir_graph_find_tensor(g, name) : -1;
		long node = t >= 0 ? producer(g, t) : -1;

		if (node < 0)
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: profile: no node of the graph writes '%s'",
				       name ? name : "?");
		if (p->node_ts[node] >= 0 || !ts_ends_a_node(p, k))
			return pf_fail(c->err, c->err_len, -EINVAL,
				       "program file: profile: node '%s': timestamp %u ends no node of a "
				       "device stage, or a second one", name, k);
		p->node_ts[node] = (int)k;
	}
	return 0;
}

int program_file_decode(const void *buf, size_t len, struct program_file **out,
			char *err, size_t err_len)
{
	struct rctx c = { .err = err, .err_len = err_len };
	struct program_file *pf;
	char gerr[400];
	int ret;

	if (err_len)
		err[0] = '\0';
	pf = calloc(1, sizeof(*pf));
	if (!pf || !(pf->prog = calloc(1, sizeof(*pf->prog)))) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = decode_header(&c, buf, len, pf);
	if (ret)
		goto fail;
	decode_info(&c, pf);
	ret = onnx_import_buffer(c.sec[SEC_GRAPH], c.sec_len[SEC_GRAPH], NULL, NULL, &pf->g, gerr,
				 sizeof(gerr));
	if (ret) {
		pf_fail(err, err_len, ret == -ENOMEM ? ret : -EINVAL,
			"program file: the graph does not read back: %s", gerr);
		ret = ret == -ENOMEM ? ret : -EINVAL;
		goto fail;
	}
	ret = decode_stream(&c, pf->prog);
	if (!ret)
		ret = decode_slots(&c, pf->prog);
	if (!ret)
		ret = decode_stages(&c, pf);
	if (!ret)
		ret = decode_tensor_slots(&c, pf);
	if (!ret)
		ret = decode_io(&c, pf);
	if (!ret)
		ret = decode_profile(&c, pf);
	if (ret)
		goto fail;
	*out = pf;
	return 0;
fail:
	if (ret == -ENOMEM && err_len && !err[0])
		snprintf(err, err_len, "out of memory");
	program_file_free(pf);
	return ret;
}

int program_file_read(const char *path, struct program_file **out, char *err, size_t err_len)
{
	struct stat st;
	size_t done = 0;
	uint8_t *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pf_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		ret = pf_fail(err, err_len, st.st_size > MAX_FILE ? -EFBIG : -EINVAL,
			      "%s: not a regular file of at most 2 GiB", path);
		close(fd);
		return ret;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return pf_fail(err, err_len, -ENOMEM, "%s: out of memory", path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EINVAL;
			pf_fail(err, err_len, ret, "%s: %s", path, n < 0 ? strerror(errno) :
				"file shrank while read");
			goto out;
		}
		done += (size_t)n;
	}
	ret = program_file_decode(buf, done, out, err, err_len);
out:
	close(fd);
	free(buf);
	return ret;
}

void program_file_free(struct program_file *pf)
{
	if (!pf)
		return;
	codegen_vnpu_free(pf->prog);
	ir_graph_destroy(pf->g);
	free(pf);
}

bool program_file_is_program(const char *path)
{
	char magic[PROGRAM_FILE_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool is;

	if (fd < 0)
		return false;
	is = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	     !memcmp(magic, PROGRAM_FILE_MAGIC, sizeof(magic));
	close(fd);
	return is;
}
