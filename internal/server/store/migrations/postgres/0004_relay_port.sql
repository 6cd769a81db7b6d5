-- The relay port an administrator assigned to an account: its sessions'
-- TURN URLs carry this port only. 0 means none assigned.
ALTER TABLE accounts ADD COLUMN relay_port INTEGER NOT NULL DEFAULT 0 CHECK (relay_port BETWEEN 0 AND 65535);
