export { LgmError, check, describe } from './errors.js';
export { checkKnownKeys, numberOption, choiceOption, booleanOption } from './options.js';
export { mulberry32, seededNormal, shuffleInPlace } from './random.js';
