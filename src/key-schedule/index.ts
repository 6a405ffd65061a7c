/** RFC 9420 §8: GroupContext, the epoch key schedule, exporter, external init, transcript hashes. */
export * from './group-context.js';
export * from './key-schedule.js';
export * from './transcript-hash.js';
