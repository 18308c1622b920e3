/* SPDX-License-Identifier: MIT */
/*
 * vnpu: the execution units behind the command parser: the DMA engine, the command processor
 * and the compute engine. vnpu_cmd.c checks a packet completely and translates its operands;
 * the functions here then only do the work, on host pointers. (The engine instances that run
 * whole jobs, a scheduler ring and a thread each, are vnpu_engine.h.)
 */
#ifndef DRIVERS_VNPU_UNITS_H
#define DRIVERS_VNPU_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/drm/vnpu_accel.h>
#include "vnpu_cmd.h"

/* DMA engine (vnpu_dma.c) */
void vnpu_dma_copy(void *dst, const void *src, uint64_t size);
void vnpu_dma_fill(void *dst, uint64_t size, uint64_t value, uint32_t width);
/* strided copy (vnpu_strided.c) */
void vnpu_dma_copy_nd(void *dst, const void *src, const struct vnpu_pkt_dma_copy_nd *p);

/* command processor (vnpu_sync.c) */
void vnpu_sync_fence_write(void *dst, uint64_t value);
void vnpu_sync_timestamp(void *dst);
int vnpu_sync_sem_wait(const struct vnpu_exec_ctx *ctx, const void *sem, uint64_t value,
		       uint64_t timeout_ns);
int vnpu_sync_check_abort(const struct vnpu_exec_ctx *ctx);
uint64_t vnpu_now_ns(void);
void vnpu_cpu_relax(void);

/*
 * compute engine (vnpu_compute.c): each takes the checked packet and the translated
 * operands, in the packet's field order (with the mapped extent of an operand whose size
 * only the engine knows: packed weights); an absent optional operand is NULL.
 */
int vnpu_compute_matmul(struct vnpu_compute *c, const struct vnpu_pkt_matmul *p, void *a,
			void *b, void *bias, void *dst);
int vnpu_int8_matmul(const struct vnpu_pkt_matmul *p, const void *a, const void *b,
		     const void *bias, void *dst);
void vnpu_int8_epilogue(const struct vnpu_pkt_matmul *p, const void *bias, void *dst);
int vnpu_compute_conv2d(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p, void *src,
			void *wei, uint64_t wei_bytes, void *bias, void *dst);
/* CONV2D's packed weights: their size (PACK_SIZE, and the extent of the packed operand of
 * PACK_WEIGHTS and WEI_PACKED), and packing them (PACK_WEIGHTS); see vnpu_compute.c. */
int vnpu_compute_conv2d_packed_size(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
				    uint64_t *size);
int vnpu_compute_conv2d_pack(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
			     const void *wei, void *dst, uint64_t dst_bytes);
int vnpu_compute_pool2d(struct vnpu_compute *c, const struct vnpu_pkt_pool2d *p, void *src,
			void *dst);
int vnpu_compute_binary(struct vnpu_compute *c, const struct vnpu_pkt_binary *p, void *a,
			void *b, void *dst);
int vnpu_compute_activation(struct vnpu_compute *c, const struct vnpu_pkt_activation *p,
			    void *src, void *dst);
int vnpu_compute_softmax(struct vnpu_compute *c, const struct vnpu_pkt_softmax *p, void *src,
			 void *dst);
int vnpu_compute_layernorm(struct vnpu_compute *c, const struct vnpu_pkt_layernorm *p,
			   void *src, void *gamma, void *beta, void *dst);
int vnpu_compute_unary(struct vnpu_compute *c, const struct vnpu_pkt_unary *p, void *src,
		       void *dst);
int vnpu_compute_reduce(struct vnpu_compute *c, const struct vnpu_pkt_reduce *p, void *src,
			void *dst);
int vnpu_compute_transpose(struct vnpu_compute *c, const struct vnpu_pkt_transpose *p,
			   void *src, void *dst);

#endif
