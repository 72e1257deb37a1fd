// The bundle invoker lives in scripts/lib (npm start uses it too).
export * from '../../scripts/lib/invoke';
