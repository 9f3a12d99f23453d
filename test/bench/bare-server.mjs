// The "bare" contender of the inference section: Fastify + onnxruntime-node serving
// POST /v2/models/credit/infer for one ONNX file (input `input` FP32 [N,5]; outputs `label`,
// `probabilities`) and GET /v2/health/ready — nothing else: no validation beyond the shape, no
// logging, no metrics, no micro-batcher. What Plumbline costs is measured against this.
//   node test/bench/bare-server.mjs <model.onnx>     (PORT, HOST from the environment)
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const file = process.argv[2];
if (!file) throw new Error('usage: bare-server.mjs <model.onnx>');
// The same session options as Plumbline's (src/inference/onnx-model.ts) with PLUMBLINE_ORT_THREADS=1.
const session = await ort.InferenceSession.create(file, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

const OIP_TYPES = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', bool: 'BOOL', string: 'BYTES' };

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.get('/v2/health/ready', async () => ({ ready: true }));
app.post('/v2/models/credit/infer', async (request, reply) => {
  const input = request.body?.inputs?.find((tensor) => tensor.name === 'input');
  if (!input || !Array.isArray(input.data) || !Array.isArray(input.shape) || input.shape.length !== 2 || input.shape[1] !== 5) {
    return reply.code(400).send({ error: "expected input 'input' FP32 [N, 5]" });
  }
  const data = Float32Array.from(input.data.flat(Infinity));
  if (data.length !== input.shape[0] * 5) return reply.code(400).send({ error: 'data does not match shape' });
  const results = await session.run({ input: new ort.Tensor('float32', data, input.shape) });
  return {
    model_name: 'credit',
    model_version: '2',
    id: request.body.id,
    outputs: Object.entries(results).map(([name, tensor]) => ({
      name,
      datatype: OIP_TYPES[tensor.type] ?? tensor.type,
      shape: tensor.dims,
      data: tensor.type === 'int64' ? Array.from(tensor.data, Number) : Array.from(tensor.data),
    })),
  };
});

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().finally(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 8081), host: process.env.HOST ?? '127.0.0.1' });
