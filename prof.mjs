import * as tf from '@tensorflow/tfjs-core';
import { initBackend, lgmLoss } from '/work/main/dist/src/index.js';
await initBackend();
const kind = process.argv[2] ?? 'diagonal';
const n=256,d=512,k=1000;
const x = tf.randomNormal([n, d], 0, 1, 'float32', 1), y = tf.randomUniform([n], 0, k, 'int32', 2), means = tf.randomNormal([k, d], 0, 1, 'float32', 3);
const lv = kind==='identity'?null: kind==='isotropic'? tf.zeros([k]) : tf.zeros([k,d]);
const step = () => tf.tidy(() => { const inputs = lv===null?[x,means]:[x,means,lv]; const g = tf.grads((...a)=>lgmLoss(a[0],y,{means:a[1],logVariances:a[2]},{covariance:kind,alpha:0.1,lambda:0.1,checkValues:false}).loss)(inputs); g.forEach(t=>t.dataSync()); });
for (let i=0;i<3;i++) step();
const info = await tf.profile(step);
const agg = {};
for (const kinfo of info.kernels) { const key = kinfo.name + ' ' + JSON.stringify(kinfo.inputShapes); agg[key] = agg[key] ?? {ms:0,count:0}; agg[key].ms += typeof kinfo.kernelTimeMs === 'number' ? kinfo.kernelTimeMs : 0; agg[key].count++; }
const rows = Object.entries(agg).sort((a,b)=>b[1].ms-a[1].ms).slice(0,30);
let total = Object.values(agg).reduce((s,v)=>s+v.ms,0);
console.log('total kernel ms', total.toFixed(1), 'kernels', info.kernels.length);
for (const [kname, v] of rows) console.log(v.ms.toFixed(2).padStart(8), String(v.count).padStart(3), kname);
const t0=performance.now(); for(let i=0;i<5;i++) step(); console.log('wall ms/step', ((performance.now()-t0)/5).toFixed(1));
