/* SPDX-License-Identifier: MIT */
/*
 * xorshift64*: the random inputs of the tests and campaigns, from a seed they print so that
 * a failing run can be replayed. @s must not be 0.
 */
#ifndef TESTS_COMMON_XORSHIFT64S_H
#define TESTS_COMMON_XORSHIFT64S_H

#include <stdint.h>

static inline uint64_t xorshift64s(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Uniform in [-1, 1). */
static inline float xorshift64s_unit(uint64_t *s)
{
	return (float)((double)(xorshift64s(s) >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

#endif
