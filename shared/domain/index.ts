/** The pure domain core: programs, canonical events, the account reducer. No SDK, no clock. */
export * from './calendar.js';
export * from './effects.js';
export * from './events.js';
export * from './money.js';
export * from './news.js';
export * from './program.js';
export * from './reducer.js';
export * from './state.js';
