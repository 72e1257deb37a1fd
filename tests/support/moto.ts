// The moto_server launcher lives in scripts/lib (npm start uses it too).
export * from '../../scripts/lib/moto';
