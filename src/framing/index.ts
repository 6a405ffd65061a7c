/** RFC 9420 §6: message framing. */
export * from './content.js';
export * from './auth.js';
export * from './public-message.js';
export * from './private-message.js';
export * from './mls-message.js';
export * from './rules.js';
