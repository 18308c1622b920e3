/* SPDX-License-Identifier: MIT */
/*
 * vedge: the NPU's register map (docs/vedge.md has the table). Byte offsets of 32-bit
 * registers; 64-bit quantities are a _LO/_HI pair, written low first. The driver reaches
 * them only through vedge_reg_read()/vedge_reg_write() (vedge_mmio.c); the device model
 * (vedge_hw.c) gives every write its hardware side effect.
 */
#ifndef DRIVERS_VEDGE_REGS_H
#define DRIVERS_VEDGE_REGS_H

#define VEDGE_ID_VALUE			0x56454447u	/* "VEDG" */
#define VEDGE_VERSION_VALUE		0x00010000u	/* 1.0 */

#define VEDGE_REG_ID			0x000	/* RO: VEDGE_ID_VALUE */
#define VEDGE_REG_VERSION		0x004	/* RO: major << 16 | minor */
#define VEDGE_REG_CONFIG		0x008	/* RO: VEDGE_CONFIG_* */
#define   VEDGE_CONFIG_HAS_DMA		(1u << 0)
#define VEDGE_REG_SRAM_SIZE		0x00c	/* RO: bytes of SRAM */
#define VEDGE_REG_CONTROL		0x010	/* WO: VEDGE_CONTROL_* (self-clearing) */
#define   VEDGE_CONTROL_KICK		(1u << 0) /* run the stream at CMD_BASE */
#define   VEDGE_CONTROL_RESET		(1u << 1) /* abort, idle, clear IRQs and state */
#define VEDGE_REG_STATUS		0x014	/* RO: VEDGE_STATUS_* */
#define   VEDGE_STATUS_BUSY		(1u << 0) /* a stream is running */
#define   VEDGE_STATUS_POWERED		(1u << 1) /* POWER.ON and CLOCK.ENABLE */
#define VEDGE_REG_IRQ_STATUS		0x018	/* RO: VEDGE_IRQ_* raised, masked or not */
#define VEDGE_REG_IRQ_MASK		0x01c	/* RW: bits that assert the interrupt line */
#define VEDGE_REG_IRQ_CLEAR		0x020	/* WO: write 1 to acknowledge a bit */
#define   VEDGE_IRQ_DONE		(1u << 0) /* the stream reached its end or STOP */
#define   VEDGE_IRQ_ERROR		(1u << 1) /* the stream stopped: ERROR_CODE says why */
#define   VEDGE_IRQ_ALL			(VEDGE_IRQ_DONE | VEDGE_IRQ_ERROR)
#define VEDGE_REG_ERROR_CODE		0x024	/* RO: VEDGE_ERR_* of the last ERROR */
#define   VEDGE_ERR_NONE		0
#define   VEDGE_ERR_BAD_CMD		1 /* a command the device does not accept */
#define   VEDGE_ERR_BUS_FAULT		2 /* an operand outside its region's window */
#define   VEDGE_ERR_NOT_POWERED		3 /* kicked while powered down or clock-gated */
#define   VEDGE_ERR_NO_MEMORY		4 /* the operation's working memory ran out */
#define VEDGE_REG_ERROR_CMD		0x028	/* RO: index of the command that failed */
#define VEDGE_REG_CMD_BASE_LO		0x030	/* RW: stream address (DMA) or SRAM offset */
#define VEDGE_REG_CMD_BASE_HI		0x034
#define VEDGE_REG_CMD_LENGTH		0x038	/* RW: stream bytes */
#define VEDGE_REG_SCRATCH_BASE		0x03c	/* RW: SRAM offset of VEDGE_REGION_SRAM */
#define VEDGE_REG_SRAM_WIN_OFFSET	0x040	/* RW: PIO window position (bytes, 4-aligned) */
#define VEDGE_REG_SRAM_WIN_DATA		0x044	/* RW: the word there; the offset then += 4 */
#define VEDGE_REG_POWER			0x050	/* RW: VEDGE_POWER_ON */
#define   VEDGE_POWER_ON		(1u << 0)
#define VEDGE_REG_CLOCK			0x054	/* RW: VEDGE_CLOCK_ENABLE */
#define   VEDGE_CLOCK_ENABLE		(1u << 0)
#define VEDGE_REG_PERF_CTRL		0x060	/* WO: VEDGE_PERF_CLEAR */
#define   VEDGE_PERF_CLEAR		(1u << 0)
#define VEDGE_REG_PERF_CYCLES_LO	0x070	/* RO: modelled NPU cycles */
#define VEDGE_REG_PERF_CYCLES_HI	0x074
#define VEDGE_REG_PERF_MACS_LO		0x078	/* RO: multiply-accumulates */
#define VEDGE_REG_PERF_MACS_HI		0x07c
#define VEDGE_REG_PERF_OPS_LO		0x080	/* RO: operations run */
#define VEDGE_REG_PERF_OPS_HI		0x084
#define VEDGE_REG_PERF_BYTES_LO		0x088	/* RO: bytes the operations and DMA moved */
#define VEDGE_REG_PERF_BYTES_HI		0x08c

/*
 * Region windows: REGION_BASE(i) is the region's bus address with DMA, its SRAM offset
 * without; REGION_SIZE(i) its bytes (0: no region). An access outside is a bus fault.
 */
#define VEDGE_REG_REGION_BASE_LO(i)	(0x100 + (i) * 0x10)
#define VEDGE_REG_REGION_BASE_HI(i)	(0x104 + (i) * 0x10)
#define VEDGE_REG_REGION_SIZE(i)	(0x108 + (i) * 0x10)

#define VEDGE_REG_SPACE			0x200	/* bytes of register space */

#endif
