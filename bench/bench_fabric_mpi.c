// SPDX-License-Identifier: MIT
/*
 * bench_fabric_mpi.c - the baseline of vtrain's all-reduce goal (issue 18): Open MPI's
 * MPI_Allreduce (MPI_SUM over floats) from 4 KiB to MAX_BYTES (default 256 MiB, x4 steps),
 * timed as NCCL-tests do: algbw = bytes / time, busbw = algbw * 2 (n - 1) / n.
 *
 *   mpirun --allow-run-as-root --oversubscribe -np N bench_fabric_mpi [MAX_BYTES [BUDGET_S]]
 *
 * Every size runs for about BUDGET_S seconds (default 0.3; at least one timed iteration after
 * two warm-ups); the time of an iteration is the slowest rank's. Rank 0 prints the table, a
 * BENCH line per size and the 4 KiB latency. The result of each all-reduce is checked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

static void check(const float *out, size_t n, int ranks)
{
	/* Rank r contributes r + 1 + (i % 7): the sum is known in closed form. */
	for (size_t i = 0; i < n; i += 4093) {
		float want = (float)(ranks * (ranks + 1) / 2 + ranks * (int)(i % 7));

		if (fabsf(out[i] - want) > 1e-3f * want) {
			fprintf(stderr, "bench_fabric_mpi: wrong sum at %zu: %f, want %f\n", i, out[i], want);
			MPI_Abort(MPI_COMM_WORLD, 1);
		}
	}
}

int main(int argc, char **argv)
{
	size_t max = 256u << 20;
	double budget = 0.3, lat4k = 0;
	int rank, n;
	float *in, *out;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	if (argc > 1)
		max = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		budget = atof(argv[2]);
	if (max < 4096)
		max = 4096;
	in = malloc(max);
	out = malloc(max);
	if (!in || !out) {
		fprintf(stderr, "bench_fabric_mpi: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	for (size_t i = 0; i < max / sizeof(float); i++)
		in[i] = (float)(rank + 1 + (int)(i % 7));
	if (!rank)
		printf("# MPI_Allreduce sum float, %d ranks\n%-12s %8s %12s %12s %12s\n", n, "bytes", "iters",
		       "time_us", "algbw_GB/s", "busbw_GB/s");
	for (size_t bytes = 4096; bytes <= max; bytes *= 4) {
		size_t count = bytes / sizeof(float);
		double t0, t, tmax;
		int iters;

		/*
		 * Warm-up (the first also opens connections), whose second round sizes the run:
		 * every rank must loop the same number of times.
		 */
		MPI_Allreduce(in, out, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		MPI_Barrier(MPI_COMM_WORLD);
		t0 = MPI_Wtime();
		MPI_Allreduce(in, out, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		t = MPI_Wtime() - t0;
		MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
		check(out, count, n);
		iters = tmax > 0 ? (int)(budget / tmax) : 1000;
		iters = iters < 1 ? 1 : iters > 1000 ? 1000 : iters;

		MPI_Barrier(MPI_COMM_WORLD);
		t0 = MPI_Wtime();
		for (int k = 0; k < iters; k++)
			MPI_Allreduce(in, out, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		t = (MPI_Wtime() - t0) / iters;
		MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
		if (!rank) {
			double algbw = bytes / tmax / 1e9, busbw = algbw * 2.0 * (n - 1) / n;

			printf("%-12zu %8d %12.1f %12.3f %12.3f\n", bytes, iters, tmax * 1e6, algbw, busbw);
			printf("BENCH mpi_allreduce_np%d_%zu|%.0f|%.4f|%.4f\n", n, bytes, tmax * 1e9, algbw,
			       busbw);
			fflush(stdout);
		}
		if (bytes == 4096)
			lat4k = tmax;
	}
	if (!rank)
		printf("latency_4KiB_us %.1f\n", lat4k * 1e6);
	free(in);
	free(out);
	MPI_Finalize();
	return 0;
}
