// Tests that touch PostgreSQL use their own database, so a test run never clobbers the demo's data.
process.env.DATABASE_URL ??= 'postgres://postgres:postgres@127.0.0.1:5432/backbone_test';
process.env.LOG_LEVEL ??= 'warn';
