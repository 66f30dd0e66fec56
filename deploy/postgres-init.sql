-- The databases scripts/stack.sh creates on the native PostgreSQL.
CREATE DATABASE backbone;
CREATE DATABASE backbone_test;
CREATE DATABASE backbone_registry;
