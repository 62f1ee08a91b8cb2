// Runs before every test file: quiet logs, fake credentials (never real AWS), Node 20 polyfills.
import '../../core/adapters/local/promise-polyfill';

process.env.LOG_LEVEL ??= 'silent';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.AWS_REGION ??= 'us-east-1';
