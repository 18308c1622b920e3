#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// onnxruntime's side of `make bench-models` (scripts/bench-models.sh): one model through
// onnxruntime-node's CPU execution provider, timed as bench/bench_models.c times accel.
//
//   node bench/peers/ort_bench.js [--shape NAME=D0,D1,...]... MODEL.onnx BATCH THREADS ITERATIONS [WARMUP]
//
// --shape gives input NAME that whole shape (its symbolic dimensions other than the batch:
// PP-OCRv4's detection input [N, 3, H, W]), as bench_models --shape compiles it; its static
// dimensions must be the model's.
//
// With ORT_PROFILE=PREFIX in the environment, onnxruntime's profiler records every run
// (per-node times, to compare with `accel run --profile`) into PREFIX_<date>.json.
//
// The session uses THREADS intra-op threads and one inter-op thread, sequential execution,
// all graph optimisations. The inputs are seeded values (a symbolic dimension takes BATCH);
// WARMUP runs (default 3) come first, then ITERATIONS timed runs, each a whole
// session.run() (inputs in, outputs out). Prints one JSON line:
//   {"runtime":"onnxruntime-node 1.30.0","model":...,"batch":...,"threads":...,
//    "iterations":...,"median_ms":...,"min_ms":...,"max_ms":...}
// Exit status 0, or 1 with a message on stderr (module absent: 2).
'use strict';

const path = require('path');

let ort;
try {
	ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
} catch (e) {
	console.error(`ort_bench: onnxruntime-node is not installed in ${__dirname}/node_modules ` +
		      `(scripts/bench-models.sh installs it with npm ci --ignore-scripts): ${e.message}`);
	process.exit(2);
}

function usage() {
	console.error('usage: ort_bench.js [--shape NAME=D0,D1,...]... MODEL.onnx BATCH THREADS ' +
		      'ITERATIONS [WARMUP]');
	process.exit(1);
}

function positive(s) {
	const v = Number(s);
	if (!Number.isInteger(v) || v < 1)
		usage();
	return v;
}

// A tensor of @meta's type and shape, symbolic dimensions set to @batch (or the whole shape
// @shape, when given), filled from a fixed linear congruential sequence (the same numbers on
// every run).
function seededInput(meta, batch, shape) {
	const dims = shape || meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : batch));
	if (shape && (shape.length !== meta.shape.length ||
		      meta.shape.some((d, i) => typeof d === 'number' && d > 0 && d !== shape[i])))
		throw new Error(`--shape ${meta.name}=${shape}: not a shape of [${meta.shape}]`);
	const n = dims.reduce((a, b) => a * b, 1);
	let seed = 1;
	const next = () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 4294967296 - 0.5;
	};
	switch (meta.type) {
	case 'float32': {
		const data = new Float32Array(n);
		for (let i = 0; i < n; i++)
			data[i] = next();
		return new ort.Tensor('float32', data, dims);
	}
	case 'int64': {
		const data = new BigInt64Array(n);
		for (let i = 0; i < n; i++)
			data[i] = BigInt(Math.floor((next() + 0.5) * 16));
		return new ort.Tensor('int64', data, dims);
	}
	default:
		throw new Error(`input ${meta.name}: type ${meta.type} not handled`);
	}
}

async function main() {
	const argv = [];
	const shapes = {};
	for (let i = 2; i < process.argv.length; i++) {
		if (process.argv[i] !== '--shape') {
			argv.push(process.argv[i]);
			continue;
		}
		const m = /^(.+)=([0-9]+(?:,[0-9]+)*)$/.exec(process.argv[++i] || '');
		if (!m || m[1] in shapes)
			usage();
		shapes[m[1]] = m[2].split(',').map(positive);
	}
	if (argv.length < 4 || argv.length > 5)
		usage();
	const [model] = argv;
	const batch = positive(argv[1]);
	const threads = positive(argv[2]);
	const iterations = positive(argv[3]);
	const warmup = argv.length > 4 ? positive(argv[4]) : 3;

	const session = await ort.InferenceSession.create(model, {
		executionProviders: ['cpu'],
		intraOpNumThreads: threads,
		interOpNumThreads: 1,
		executionMode: 'sequential',
		graphOptimizationLevel: 'all',
		enableProfiling: !!process.env.ORT_PROFILE,
		profileFilePrefix: process.env.ORT_PROFILE || undefined,
	});
	const feeds = {};
	for (const name of Object.keys(shapes))
		if (!session.inputMetadata.some((meta) => meta.name === name))
			throw new Error(`--shape ${name}: the model has no such input`);
	for (const meta of session.inputMetadata)
		feeds[meta.name] = seededInput(meta, batch, shapes[meta.name]);

	for (let i = 0; i < warmup; i++)
		await session.run(feeds);
	const ms = [];
	for (let i = 0; i < iterations; i++) {
		const t0 = process.hrtime.bigint();
		await session.run(feeds);
		ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	ms.sort((a, b) => a - b);
	const mid = ms.length >> 1;
	const median = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
	if (process.env.ORT_PROFILE)
		session.endProfiling();
	await session.release();
	console.log(JSON.stringify({
		runtime: `onnxruntime-node ${require(path.join(__dirname, 'node_modules',
							      'onnxruntime-node', 'package.json')).version}`,
		model, batch, threads, iterations,
		median_ms: Number(median.toFixed(3)),
		min_ms: Number(ms[0].toFixed(3)),
		max_ms: Number(ms[ms.length - 1].toFixed(3)),
	}));
}

main().catch((e) => {
	console.error(`ort_bench: ${e.message}`);
	process.exit(1);
});
