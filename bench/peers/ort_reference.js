#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// onnxruntime's outputs for a model's test data: the reference `accel run --data` checks
// against (the PP-OCR models: scripts/models/ppocr.sh, models/README.md).
//
//   node bench/peers/ort_reference.js MODEL.onnx DIR [THREADS [ITERATIONS]]
//
// Reads DIR/input_N.pb (ONNX TensorProto: dims, data_type float, raw_data or float_data) for
// each graph input, runs the model once through onnxruntime-node's CPU execution provider and
// writes DIR/output_N.pb for each graph output (TensorProto written by hand: dims, data_type
// 1, name, raw_data; little-endian floats). With ITERATIONS, then times that many more runs
// (after 3 warm-up ones) and prints {"median_ms":...,"min_ms":...,"max_ms":...} on one line.
// THREADS: intra-op threads (default 1). Exit status 0, 1 with a message, 2 when
// onnxruntime-node is not installed (bench/peers/install.sh installs it).
'use strict';

const fs = require('fs');
const path = require('path');

let ort;
try {
	ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
} catch (e) {
	console.error(`ort_reference: onnxruntime-node is not installed in ${__dirname}/node_modules ` +
		      `(bench/peers/install.sh): ${e.message}`);
	process.exit(2);
}

function fail(msg) {
	console.error(`ort_reference: ${msg}`);
	process.exit(1);
}

// A protobuf varint at buf[pos]: [value, next position]. Numbers stay exact up to 2^53.
function readVarint(buf, pos) {
	let v = 0, mul = 1;
	for (;;) {
		if (pos >= buf.length)
			throw new Error('truncated varint');
		const b = buf[pos++];
		v += (b & 0x7f) * mul;
		if (!(b & 0x80))
			return [v, pos];
		mul *= 128;
	}
}

function varint(v) {
	const out = [];
	do {
		let b = v % 128;
		v = Math.floor(v / 128);
		if (v)
			b |= 0x80;
		out.push(b);
	} while (v);
	return Buffer.from(out);
}

// The float TensorProto in @buf: { dims, data: Float32Array }. Fields: 1 dims (varint or
// packed), 2 data_type, 4 float_data (packed or not), 9 raw_data; the others are skipped.
function parseTensor(buf, what) {
	const dims = [], floats = [];
	let dtype = 0, raw = null, pos = 0;
	while (pos < buf.length) {
		let key, len;
		[key, pos] = readVarint(buf, pos);
		const field = Math.floor(key / 8), wire = key % 8;
		if (wire === 0) {
			let v;
			[v, pos] = readVarint(buf, pos);
			if (field === 1)
				dims.push(v);
			else if (field === 2)
				dtype = v;
		} else if (wire === 2) {
			[len, pos] = readVarint(buf, pos);
			const body = buf.subarray(pos, pos + len);
			if (body.length !== len)
				throw new Error(`${what}: truncated`);
			pos += len;
			if (field === 9)
				raw = body;
			else if (field === 1)
				for (let p = 0; p < body.length;) {
					let v;
					[v, p] = readVarint(body, p);
					dims.push(v);
				}
			else if (field === 4)
				for (let p = 0; p + 4 <= body.length; p += 4)
					floats.push(body.readFloatLE(p));
		} else if (wire === 5) {
			if (field === 4)
				floats.push(buf.readFloatLE(pos));
			pos += 4;
		} else if (wire === 1) {
			pos += 8;
		} else {
			throw new Error(`${what}: wire type ${wire} unexpected`);
		}
	}
	if (dtype !== 1)
		throw new Error(`${what}: data_type ${dtype}, only float (1) is read`);
	const n = dims.reduce((a, b) => a * b, 1);
	let data;
	if (raw) {
		if (raw.length !== 4 * n)
			throw new Error(`${what}: ${raw.length} bytes of raw_data for ${n} floats`);
		data = new Float32Array(n);
		for (let i = 0; i < n; i++)
			data[i] = raw.readFloatLE(4 * i);
	} else {
		if (floats.length !== n)
			throw new Error(`${what}: ${floats.length} floats for ${n} elements`);
		data = Float32Array.from(floats);
	}
	return { dims, data };
}

// A TensorProto of a float tensor: dims (1), data_type (2), name (8), raw_data (9).
function tensorProto(dims, data, name) {
	const parts = [];
	for (const d of dims)
		parts.push(Buffer.from([0x08]), varint(d));
	parts.push(Buffer.from([0x10, 0x01]));
	const nb = Buffer.from(name, 'utf8');
	parts.push(Buffer.from([0x42]), varint(nb.length), nb);
	const raw = Buffer.alloc(4 * data.length);
	for (let i = 0; i < data.length; i++)
		raw.writeFloatLE(data[i], 4 * i);
	parts.push(Buffer.from([0x4a]), varint(raw.length), raw);
	return Buffer.concat(parts);
}

async function main() {
	const [model, dir, threadsArg, itersArg] = process.argv.slice(2);
	if (!model || !dir)
		fail('usage: ort_reference.js MODEL.onnx DIR [THREADS [ITERATIONS]]');
	const threads = threadsArg ? Number(threadsArg) : 1;
	const iters = itersArg ? Number(itersArg) : 0;
	if (!Number.isInteger(threads) || threads < 1 || !Number.isInteger(iters) || iters < 0)
		fail('THREADS and ITERATIONS: positive integers');
	const session = await ort.InferenceSession.create(model, {
		intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
		graphOptimizationLevel: 'all',
	});
	const feeds = {};
	session.inputNames.forEach((name, i) => {
		const file = path.join(dir, `input_${i}.pb`);
		const t = parseTensor(fs.readFileSync(file), file);
		feeds[name] = new ort.Tensor('float32', t.data, t.dims);
	});
	const out = await session.run(feeds);
	session.outputNames.forEach((name, i) => {
		const t = out[name];
		if (t.type !== 'float32')
			fail(`output '${name}': ${t.type}, only float32 is written`);
		fs.writeFileSync(path.join(dir, `output_${i}.pb`), tensorProto(t.dims, t.data, name));
	});
	if (!iters)
		return;
	for (let i = 0; i < 3; i++)
		await session.run(feeds);
	const ms = [];
	for (let i = 0; i < iters; i++) {
		const t0 = process.hrtime.bigint();
		await session.run(feeds);
		ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	ms.sort((a, b) => a - b);
	const med = iters % 2 ? ms[(iters - 1) / 2] : (ms[iters / 2 - 1] + ms[iters / 2]) / 2;
	console.log(JSON.stringify({ runtime: `onnxruntime-node ${ort.env.versions.common}`, model,
		threads, iterations: iters, median_ms: med, min_ms: ms[0], max_ms: ms[iters - 1] }));
}

main().catch((e) => fail(e.message));
