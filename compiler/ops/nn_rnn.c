// SPDX-License-Identifier: MIT
/*
 * Recurrent layers: RNN, GRU and LSTM (opsets 7 to 14), forward, reverse or bidirectional, with
 * biases, sequence_lens, initial states, LSTM's peepholes, GRU's linear_before_reset and opset
 * 14's layout (batch first). The default activations only: a model that names others does not
 * import (the reader takes no STRINGS attributes), and activation_alpha/beta, clip and
 * input_forget are refused (-EOPNOTSUPP).
 *
 * Gates, per the specification: W [dirs, G*H, I], R [dirs, G*H, H], B [dirs, 2*G*H] (W's bias
 * then R's), G = 1 (RNN), 3 (GRU: z, r, h) or 4 (LSTM: i, o, f, c); P [dirs, 3*H] (i, o, f).
 *
 * Two kernels: the reference, in double for every type; and for a float LSTM (what PyTorch
 * exports; a model's recurrence runs on the host, since each time step's products are too
 * small to pay for a device submission each), a single-precision one built for speed (below).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"
#include "compiler/ops/vec_f32.h"

#include <oneapi/dnnl/dnnl.h>

enum rnn_kind { RNN_PLAIN, RNN_GRU, RNN_LSTM };

/**
 * struct rnn_shape - one recurrent node's dimensions
 * @kind: which layer
 * @gates: G
 * @dirs: 1, or 2 when bidirectional
 * @reverse: the first (only) direction runs backwards ("reverse")
 * @seq, @batch, @in, @hidden: time steps, batch, input size, hidden size
 * @batch_first: layout 1 (X [batch, seq, I], Y [batch, seq, dirs, H], states [batch, dirs, H])
 * @lbr: GRU's linear_before_reset
 */
struct rnn_shape {
	enum rnn_kind kind;
	int64_t gates, dirs, seq, batch, in, hidden;
	bool reverse, batch_first, lbr;
};

/* @t must be [d0, d1, d2] (when present) and of X's type. */
static int rnn_need_dims(struct op_ctx *c, const struct ir_tensor *t, int rank, int64_t d0,
			 int64_t d1, int64_t d2)
{
	const int64_t want[3] = { d0, d1, d2 };
	int ret;

	if (!t)
		return 0;
	ret = nn_need_same_type(c, op_in(c, 0), t);
	if (ret)
		return ret;
	if (t->rank != rank || memcmp(t->dims, want, rank * sizeof(*want)))
		return op_fail(c, -EINVAL, "'%s' has the wrong shape", t->name);
	return 0;
}

static int rnn_resolve(struct op_ctx *c, struct rnn_shape *s)
{
	const struct ir_tensor *x = op_in(c, 0), *w = op_in(c, 1), *r = op_in(c, 2), *lens = op_in(c, 4);
	const struct ir_attr *dir = ir_node_find_attr(c->node, "direction");
	int64_t hidden, layout, lbr, forget;
	int ret;

	memset(s, 0, sizeof(*s));
	s->kind = !strcmp(c->node->op_type, "GRU") ? RNN_GRU :
		  !strcmp(c->node->op_type, "LSTM") ? RNN_LSTM : RNN_PLAIN;
	s->gates = s->kind == RNN_GRU ? 3 : s->kind == RNN_LSTM ? 4 : 1;
	if (ir_node_find_attr(c->node, "activation_alpha") ||
	    ir_node_find_attr(c->node, "activation_beta") || ir_node_find_attr(c->node, "clip"))
		return op_fail(c, -EOPNOTSUPP, "activation parameters and clip are not supported");
	ret = nn_need_float(c, x, "X") ?: op_attr_int(c, "hidden_size", -1, &hidden) ?:
	      op_attr_int(c, "layout", 0, &layout) ?: op_attr_int(c, "linear_before_reset", 0, &lbr) ?:
	      op_attr_int(c, "input_forget", 0, &forget);
	if (ret)
		return ret;
	if (forget)
		return op_fail(c, -EOPNOTSUPP, "input_forget is not supported");
	if (layout != 0 && layout != 1)
		return op_fail(c, -EINVAL, "bad layout %lld", (long long)layout);
	if (dir && (dir->type != IR_ATTR_STRING || (strcmp(dir->s, "forward") &&
						    strcmp(dir->s, "reverse") && strcmp(dir->s, "bidirectional"))))
		return op_fail(c, -EINVAL, "bad direction");
	s->dirs = dir && !strcmp(dir->s, "bidirectional") ? 2 : 1;
	s->reverse = dir && !strcmp(dir->s, "reverse");
	s->batch_first = layout == 1;
	s->lbr = lbr != 0;
	if (x->rank != 3 || w->rank != 3 || r->rank != 3)
		return op_fail(c, -EINVAL, "X, W and R must be of rank 3");
	s->seq = x->dims[s->batch_first ? 1 : 0];
	s->batch = x->dims[s->batch_first ? 0 : 1];
	s->in = x->dims[2];
	s->hidden = hidden >= 0 ? hidden : r->dims[2];
	if (s->hidden < 1 || s->hidden > IR_MAX_ELEMENTS)
		return op_fail(c, -EINVAL, "bad hidden_size");
	ret = rnn_need_dims(c, w, 3, s->dirs, s->gates * s->hidden, s->in) ?:
	      rnn_need_dims(c, r, 3, s->dirs, s->gates * s->hidden, s->hidden) ?:
	      rnn_need_dims(c, op_in(c, 3), 2, s->dirs, 2 * s->gates * s->hidden, 0);
	if (ret)
		return ret;
	for (size_t i = 5; i < (s->kind == RNN_LSTM ? 7u : 6u); i++) {
		ret = s->batch_first ? rnn_need_dims(c, op_in(c, i), 3, s->batch, s->dirs, s->hidden) :
				       rnn_need_dims(c, op_in(c, i), 3, s->dirs, s->batch, s->hidden);
		if (ret)
			return ret;
	}
	if (s->kind == RNN_LSTM) {
		ret = rnn_need_dims(c, op_in(c, 7), 2, s->dirs, 3 * s->hidden, 0);
		if (ret)
			return ret;
	}
	if (lens && (lens->dtype != IR_DTYPE_INT32 || lens->rank != 1 || lens->dims[0] != s->batch))
		return op_fail(c, -EINVAL, "sequence_lens must be int32 [%lld]", (long long)s->batch);
	return 0;
}

static int infer_rnn(struct op_ctx *c)
{
	const struct ir_tensor *x;
	struct rnn_shape s;
	int64_t y[4], st[3];
	int ret;

	/* Not op_need_inputs(): output Y is optional (the node tests omit it). */
	for (size_t i = 0; i < 3; i++)
		if (!op_in(c, i) || op_in(c, i)->rank < 0)
			return op_fail(c, -EINVAL, "missing input %zu or its shape", i);
	ret = rnn_resolve(c, &s);
	if (ret)
		return ret;
	x = op_in(c, 0);
	if (s.batch_first) {
		y[0] = s.batch, y[1] = s.seq, y[2] = s.dirs, y[3] = s.hidden;
		st[0] = s.batch, st[1] = s.dirs, st[2] = s.hidden;
	} else {
		y[0] = s.seq, y[1] = s.dirs, y[2] = s.batch, y[3] = s.hidden;
		st[0] = s.dirs, st[1] = s.batch, st[2] = s.hidden;
	}
	op_set_shape(op_out(c, 0), x->dtype, 4, y);
	op_set_shape(op_out(c, 1), x->dtype, 3, st);
	if (s.kind == RNN_LSTM)
		op_set_shape(op_out(c, 2), x->dtype, 3, st);
	return 0;
}

static double sigmoid(double v)
{
	return 1 / (1 + exp(-v));
}

/* out[g*H + j] = row (g*H + j) of @m [G*H, @n] times @v, plus @b (may be NULL). */
static void matvec(const double *m, const double *v, const double *b, int64_t rows, int64_t n,
		   double *out)
{
	for (int64_t i = 0; i < rows; i++) {
		double acc = b ? b[i] : 0;

		for (int64_t k = 0; k < n; k++)
			acc += m[i * n + k] * v[k];
		out[i] = acc;
	}
}

/* One time step of one direction for one batch row: @h (and LSTM's @c) updated in place. */
static void rnn_step(const struct rnn_shape *s, const double *w, const double *r, const double *wb,
		     const double *rb, const double *p, const double *x, double *h, double *c,
		     double *xg, double *hg, double *tmp)
{
	int64_t hn = s->hidden;

	matvec(w, x, wb, s->gates * hn, s->in, xg);
	if (s->kind == RNN_PLAIN) {
		matvec(r, h, rb, hn, hn, hg);
		for (int64_t j = 0; j < hn; j++)
			h[j] = tanh(xg[j] + hg[j]);
	} else if (s->kind == RNN_GRU) {
		/* z and r from h; the candidate's recurrent part depends on linear_before_reset. */
		matvec(r, h, rb, 2 * hn, hn, hg);
		for (int64_t j = 0; j < 2 * hn; j++)
			hg[j] = sigmoid(xg[j] + hg[j]);
		if (s->lbr) {
			matvec(r + 2 * hn * hn, h, rb ? rb + 2 * hn : NULL, hn, hn, tmp);
			for (int64_t j = 0; j < hn; j++)
				tmp[j] = tanh(xg[2 * hn + j] + hg[hn + j] * tmp[j]);
		} else {
			double *rh = tmp + hn;

			for (int64_t j = 0; j < hn; j++)
				rh[j] = hg[hn + j] * h[j];
			matvec(r + 2 * hn * hn, rh, rb ? rb + 2 * hn : NULL, hn, hn, tmp);
			for (int64_t j = 0; j < hn; j++)
				tmp[j] = tanh(xg[2 * hn + j] + tmp[j]);
		}
		for (int64_t j = 0; j < hn; j++)
			h[j] = (1 - hg[j]) * tmp[j] + hg[j] * h[j];
	} else {
		matvec(r, h, rb, 4 * hn, hn, hg);
		for (int64_t j = 0; j < hn; j++) {
			double gi = xg[j] + hg[j], go = xg[hn + j] + hg[hn + j];
			double gf = xg[2 * hn + j] + hg[2 * hn + j], gc = xg[3 * hn + j] + hg[3 * hn + j];

			if (p) {
				gi += p[j] * c[j];
				gf += p[2 * hn + j] * c[j];
			}
			c[j] = sigmoid(gf) * c[j] + sigmoid(gi) * tanh(gc);
			if (p)
				go += p[hn + j] * c[j];
			h[j] = sigmoid(go) * tanh(c[j]);
		}
	}
}

/*
 * ---- the float LSTM ------------------------------------------------------------------------
 *
 * The gate values start from both biases, then take the input's product, for every step at
 * once (it waits for no state: one GEMM over the sequence), then per step the recurrent one,
 * each as the rows (x or h) times a weight transposed: W and R are read in their own layout,
 * [4H][in] and [4H][H], so that no transposed copy is made at each call; products of many
 * rows through oneDNN's sgemm, of a few (a batch of one's state) through the dot products of
 * vec_f32_matmul_nt_acc(). The nonlinearities run over whole gate blocks (vec_f32.h). The
 * states live in the outputs Y_h and Y_c when the node has them, and Y is written in place.
 * One thread: a step's products take a few microseconds, and splitting them between threads
 * that meet at a barrier per step stalled whenever another thread of the process (the OpenMP
 * teams oneDNN starts for the device engines) held a core. The same semantics as the
 * reference: directions, layout, sequence_lens (Y zero past a row's length, its state that
 * of its last step), initial states, peepholes.
 */
struct lstm_f32 {
	const struct rnn_shape *s;
	float *bias;		/* Wb + Rb of one direction, [4H] */
	float *g;		/* a step's gate values, [batch][4H] */
	float *tmp;		/* tanh(c), [H] */
	float *gx;		/* every step's gate values, [seq * batch][4H] in X's row order */
};

/*
 * The gates of one batch row, whose products have been added to @g (its biases): @h and @c
 * updated in place.
 */
static void lstm_f32_gates(struct lstm_f32 *l, const float *p, float *g, float *h, float *c)
{
	int64_t hn = l->s->hidden;
	float *gi = g, *go = g + hn, *gf = g + 2 * hn, *gc = g + 3 * hn;

	if (p) {
		for (int64_t j = 0; j < hn; j++) {
			gi[j] += p[j] * c[j];
			gf[j] += p[2 * hn + j] * c[j];
		}
		vec_f32_sigmoid(gi, hn);
		vec_f32_sigmoid(gf, hn);
	} else {
		/* i, o and f are contiguous: one pass */
		vec_f32_sigmoid(gi, 3 * hn);
	}
	vec_f32_tanh(gc, hn);
	for (int64_t j = 0; j < hn; j++)
		c[j] = gf[j] * c[j] + gi[j] * gc[j];
	if (p) {
		for (int64_t j = 0; j < hn; j++)
			go[j] += p[hn + j] * c[j];
		vec_f32_sigmoid(go, hn);
	}
	memcpy(l->tmp, c, (size_t)hn * sizeof(*c));
	vec_f32_tanh(l->tmp, hn);
	for (int64_t j = 0; j < hn; j++)
		h[j] = go[j] * l->tmp[j];
}

/*
 * C [m][n] (rows @ldc apart) += A [m][k] x B^T, B [n][k] (a weight's rows): a product of
 * many rows (the whole sequence's input, or a batch's states) through oneDNN's sgemm, which
 * reuses each weight across rows as a blocked GEMM does; a few rows (a batch of one's state)
 * through vec_f32_matmul_nt_acc(), whose dot products cost no call or packing.
 */
static void lstm_f32_product(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
			     const float *b, float *c, int64_t ldc)
{
	if (m >= 4 && dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, lda, b, k, 1.0f, c, ldc) ==
			      dnnl_success)
		return;
	vec_f32_matmul_nt_acc(m, n, k, a, lda, b, c, ldc);
}

/* OpenMP's API (libgomp, oneDNN's threading here), declared as the standard has it. */
extern int omp_get_max_threads(void);
extern void omp_set_num_threads(int n);

/*
 * Time steps of direction @d, every batch row at once: the gate rows against the step's
 * input (all steps' products first) and the previous hidden state, the states updated in
 * place in the outputs (@yh, @yc) and Y's rows written (@y, NULL when the node has none).
 */
static void lstm_f32_steps(struct lstm_f32 *l, int64_t d, const float *x, const float *wd,
			   const float *rd, const float *p, float *y, float *yh, float *yc)
{
	const struct rnn_shape *s = l->s;
	int64_t hn = s->hidden, gh = 4 * hn, rows = s->seq * s->batch;
	bool back = d == 1 || s->reverse;
	int64_t hs = s->batch_first ? s->dirs * hn : hn;
	int64_t ys = s->batch_first ? s->seq * s->dirs * hn : hn;
	int64_t h0 = s->batch_first ? d * hn : d * s->batch * hn;
	/* l->gx's rows are X's: a step's batch rows this far apart */
	int64_t gs = s->batch_first ? s->seq * gh : gh;

	/*
	 * The input's products of every step at once (they wait for no state): one GEMM over
	 * the sequence, rather than W read again at each step.
	 */
	for (int64_t row = 0; row < rows; row++)
		memcpy(l->gx + row * gh, l->bias, (size_t)gh * sizeof(*l->bias));
	lstm_f32_product(rows, gh, s->in, x, s->in, wd, l->gx, gh);
	for (int64_t step = 0; step < s->seq; step++) {
		int64_t t = back ? s->seq - 1 - step : step;
		float *gt = l->gx + t * (s->batch_first ? gh : s->batch * gh);

		lstm_f32_product(s->batch, gh, hn, yh + h0, hs, rd, gt, gs);
		for (int64_t bi = 0; bi < s->batch; bi++)
			lstm_f32_gates(l, p, gt + bi * gs, yh + h0 + bi * hs, yc + h0 + bi * hs);
		for (int64_t bi = 0; y && bi < s->batch; bi++) {
			int64_t yi = s->batch_first ? bi * ys + (t * s->dirs + d) * hn :
						      ((t * s->dirs + d) * s->batch + bi) * hn;

			memcpy(y + yi, yh + h0 + bi * hs, (size_t)hn * sizeof(*y));
		}
	}
}

/*
 * Direction @d over every batch row: Y's rows of @d (@y, NULL when the node has no Y), and
 * the states in @yh, @yc (the layout's [dirs][batch][H] or [batch][dirs][H]).
 */
static void lstm_f32_direction(struct lstm_f32 *l, int64_t d, const float *x, const float *w,
			       const float *r, const float *b, const float *p, const int32_t *lens,
			       float *y, float *yh, float *yc)
{
	const struct rnn_shape *s = l->s;
	int64_t hn = s->hidden, gh = 4 * hn;
	bool back = d == 1 || s->reverse;
	const float *wd = w + d * gh * s->in, *rd = r + d * gh * hn;
	int64_t hs = s->batch_first ? s->dirs * hn : hn;
	int64_t ys = s->batch_first ? s->seq * s->dirs * hn : hn;
	int64_t h0 = s->batch_first ? d * hn : d * s->batch * hn;

	for (int64_t j = 0; j < gh; j++)
		l->bias[j] = b ? b[d * 2 * gh + j] + b[d * 2 * gh + gh + j] : 0;
	if (p)
		p += d * 3 * hn;
	if (!lens) {
		/*
		 * Every row at the same time step: one product per step for the whole batch,
		 * so that W and R are read once per step rather than once per row.
		 */
		lstm_f32_steps(l, d, x, wd, rd, p, y, yh, yc);
		return;
	}
	/* Rows of their own lengths, so of their own time steps when reversed: one at a time. */
	for (int64_t bi = 0; bi < s->batch; bi++) {
		int64_t len = lens[bi];
		float *h = yh + h0 + bi * hs, *c = yc + h0 + bi * hs;

		for (int64_t step = 0; step < len; step++) {
			int64_t t = back ? len - 1 - step : step;
			int64_t xi = s->batch_first ? bi * s->seq + t : t * s->batch + bi;

			memcpy(l->g, l->bias, (size_t)gh * sizeof(*l->bias));
			vec_f32_matmul_nt_acc(1, gh, s->in, x + xi * s->in, s->in, wd, l->g, gh);
			vec_f32_matmul_nt_acc(1, gh, hn, h, hn, rd, l->g, gh);
			lstm_f32_gates(l, p, l->g, h, c);
			if (y)
				memcpy(y + (s->batch_first ? bi * ys + (t * s->dirs + d) * hn :
							     ((t * s->dirs + d) * s->batch + bi) * hn),
				       h, (size_t)hn * sizeof(*y));
		}
	}
}

static int host_lstm_f32(struct op_ctx *c, const struct rnn_shape *s, const void *const *in,
			 void *const *out)
{
	int64_t hn = s->hidden, gh = 4 * hn, nst = s->dirs * s->batch * hn;
	const int32_t *lens = op_in(c, 4) ? in[4] : NULL;
	struct lstm_f32 l = { .s = s };
	float *own_h = NULL, *own_c = NULL, *yh, *yc;
	int ret = 0, team;

	for (int64_t bi = 0; lens && bi < s->batch; bi++)
		if (lens[bi] < 0 || lens[bi] > s->seq)
			return op_fail(c, -EINVAL, "sequence length %lld out of 0..%lld",
				       (long long)lens[bi], (long long)s->seq);
	/* The states in the outputs when present (same layout), else in buffers of ours. */
	yh = op_out(c, 1) ? out[1] : (own_h = malloc((size_t)nst * sizeof(float) + 1));
	yc = op_out(c, 2) ? out[2] : (own_c = malloc((size_t)nst * sizeof(float) + 1));
	l.bias = malloc((size_t)gh * sizeof(float));
	l.g = malloc((size_t)(s->batch * gh) * sizeof(float) + 1);
	l.tmp = malloc((size_t)hn * sizeof(float));
	l.gx = lens ? NULL : malloc((size_t)(s->seq * s->batch * gh) * sizeof(float) + 1);
	if (!yh || !yc || !l.bias || !l.g || !l.tmp || (!lens && !l.gx)) {
		ret = nn_nomem(c);
		goto out;
	}
	if (op_in(c, 5))
		memcpy(yh, in[5], (size_t)nst * sizeof(*yh));
	else
		memset(yh, 0, (size_t)nst * sizeof(*yh));
	if (op_in(c, 6))
		memcpy(yc, in[6], (size_t)nst * sizeof(*yc));
	else
		memset(yc, 0, (size_t)nst * sizeof(*yc));
	/* Y past a row's length stays zero: the caller zeroes outputs, but not every caller. */
	if (op_out(c, 0) && lens)
		memset(out[0], 0, (size_t)(s->seq * nst) * sizeof(float));
	/*
	 * oneDNN's products on this thread alone: a team's threads spin between its calls
	 * (libgomp's wait policy), taking the cores the recurrence and the device's pollers need.
	 */
	team = omp_get_max_threads();
	if (team > 1)
		omp_set_num_threads(1);
	for (int64_t d = 0; d < s->dirs; d++)
		lstm_f32_direction(&l, d, in[0], in[1], in[2], op_in(c, 3) ? in[3] : NULL,
				   op_in(c, 7) ? in[7] : NULL, lens, op_out(c, 0) ? out[0] : NULL,
				   yh, yc);
	if (team > 1)
		omp_set_num_threads(team);
out:
	free(own_h);
	free(own_c);
	free(l.bias);
	free(l.g);
	free(l.tmp);
	free(l.gx);
	return ret;
}

static int host_rnn(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	double *v[8] = { NULL }, *y = NULL, *yh = NULL, *yc = NULL, *work = NULL;
	int64_t hn, gh, ny, nst;
	struct rnn_shape s;
	int ret = rnn_resolve(c, &s);

	if (ret)
		return ret;
	if (s.kind == RNN_LSTM && x->dtype == IR_DTYPE_FLOAT)
		return host_lstm_f32(c, &s, in, out);
	hn = s.hidden;
	gh = s.gates * hn;
	ny = s.seq * s.dirs * s.batch * hn;
	nst = s.dirs * s.batch * hn;
	for (size_t i = 0; i < 8 && i < c->node->n_inputs; i++) {
		const struct ir_tensor *t = op_in(c, i);

		if (!t || i == 4)
			continue;
		v[i] = nn_load(t->dtype, in[i], (size_t)ir_tensor_numel(t));
		if (!v[i])
			goto nomem;
	}
	y = calloc((size_t)ny + 1, sizeof(*y));
	yh = calloc((size_t)nst + 1, sizeof(*yh));
	yc = calloc((size_t)nst + 1, sizeof(*yc));
	work = malloc((size_t)(2 * gh + 2 * hn) * sizeof(*work) + 1);
	if (!y || !yh || !yc || !work)
		goto nomem;
	for (int64_t b = 0; b < s.batch; b++) {
		int64_t len = op_in(c, 4) ? ((const int32_t *)in[4])[b] : s.seq;

		if (len < 0 || len > s.seq) {
			ret = op_fail(c, -EINVAL, "sequence length %lld out of 0..%lld", (long long)len,
				      (long long)s.seq);
			goto out;
		}
		for (int64_t d = 0; d < s.dirs; d++) {
			int64_t st = s.batch_first ? (b * s.dirs + d) * hn : (d * s.batch + b) * hn;
			bool back = d == 1 || s.reverse;
			double *h = yh + st, *cs = yc + st;

			if (v[5])
				memcpy(h, v[5] + st, (size_t)hn * sizeof(*h));
			if (s.kind == RNN_LSTM && v[6])
				memcpy(cs, v[6] + st, (size_t)hn * sizeof(*cs));
			for (int64_t step = 0; step < len; step++) {
				int64_t t = back ? len - 1 - step : step;
				int64_t xi = s.batch_first ? (b * s.seq + t) * s.in : (t * s.batch + b) * s.in;
				int64_t yi = s.batch_first ? ((b * s.seq + t) * s.dirs + d) * hn :
							     ((t * s.dirs + d) * s.batch + b) * hn;

				rnn_step(&s, v[1] + d * gh * s.in, v[2] + d * gh * hn,
					 v[3] ? v[3] + d * 2 * gh : NULL, v[3] ? v[3] + d * 2 * gh + gh : NULL,
					 v[7] ? v[7] + d * 3 * hn : NULL, v[0] + xi, h, cs, work,
					 work + gh, work + 2 * gh);
				memcpy(y + yi, h, (size_t)hn * sizeof(*y));
			}
		}
	}
	if (op_out(c, 0))
		nn_store(x->dtype, out[0], y, (size_t)ny);
	if (op_out(c, 1))
		nn_store(x->dtype, out[1], yh, (size_t)nst);
	if (s.kind == RNN_LSTM && op_out(c, 2))
		nn_store(x->dtype, out[2], yc, (size_t)nst);
	goto out;
nomem:
	ret = nn_nomem(c);
out:
	for (size_t i = 0; i < 8; i++)
		free(v[i]);
	free(y);
	free(yh);
	free(yc);
	free(work);
	return ret;
}

const struct op_def op_defs_nn_rnn[] = {
	{ "RNN", infer_rnn, host_rnn },
	{ "GRU", infer_rnn, host_rnn },
	{ "LSTM", infer_rnn, host_rnn },
	{ NULL, NULL, NULL },
};
