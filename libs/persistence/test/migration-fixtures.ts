import { DataSource } from 'typeorm';
import { DEFAULT_COURSE_ID, DEFAULT_SCHOOL_ID } from '../src/default-tenancy';

/** Fixed ids, so a failure names the same rows every run (none is a default-tenancy id). */
const id = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const T = { docker: id(1), swarm: id(2), k3s: id(3), cluster: id(4), kube: id(5), wordpress: id(6) };
const L = { ready: id(11), stopped: id(12), failed: id(13), owned: id(14), pool: id(15), claimed: id(16), queued: id(17), waiting: id(18), versioned: id(19) };
const S = { a: id(21), b: id(22) };
const U = { root: id(31), teacher: id(32), student: id(33), studentB: id(34) };
const C = { a: id(41), b: id(42) };
const E = { nginx: id(51) };
const AT = '2025-12-01T09:00:00Z';

/** What an installation at one release may hold, and what upgrading it must do to those rows. */
export interface MigrationFixture {
  /** Rows valid for the schema this migration leaves, in every table and column it adds. */
  readonly seed?: (ds: DataSource) => Promise<void>;
  /** Checks, once the migration ran on an installation that held the earlier seeds, what it did to them. */
  readonly upgraded?: (ds: DataSource) => Promise<void>;
}

const expectEvery = async (ds: DataSource, sql: string, expected: unknown) => {
  const rows: unknown[] = await ds.query(sql);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row).toEqual(expected);
};
const rejects = (ds: DataSource, sql: string, params: unknown[], error: RegExp) => expect(ds.query(sql, params)).rejects.toThrow(error);

/** One entry per migration, by name, in order: the upgrade test walks them. */
export const MIGRATION_FIXTURES: Record<string, MigrationFixture> = {
  InitialSchema1764280000000: {
    seed: async (ds) => {
      await ds.query(
        `INSERT INTO templates (id, name, description, image, nodes, cpus, memory_mb, pids_limit, disk_mb, ttl_seconds, images)
         VALUES ($1, 'docker', 'One node', NULL, 1, 1.5, 2048, 512, 4096, 3600, '["nginx:alpine"]'), ($2, 'swarm', 'Three nodes', 'labfleet/lab:latest', 3, 0.5, 512, 256, NULL, 7200, '[]')`,
        [T.docker, T.swarm],
      );
      await ds.query(
        `INSERT INTO labs (id, template_id, status, failure_reason, provider, handle, created_at, updated_at, ready_at, expires_at, ended_at) VALUES
         ($1, $4, 'ready', NULL, 'docker', '{"nodes":[{"name":"node1","hostname":"node1"}]}', $5, $5, $5::timestamptz + interval '30 s', $5::timestamptz + interval '1 h', NULL),
         ($2, $4, 'stopped', NULL, 'docker', NULL, $5, $5, $5::timestamptz + interval '20 s', $5::timestamptz + interval '1 h', $5::timestamptz + interval '10 min'),
         ($3, $4, 'failed', 'the lab container disappeared', 'docker', NULL, $5, $5, NULL, $5::timestamptz + interval '1 h', $5::timestamptz + interval '2 min')`,
        [L.ready, L.stopped, L.failed, T.docker, AT],
      );
      await ds.query(`INSERT INTO lab_nodes (lab_id, name, hostname, runtime_id, address) VALUES ($1, 'node1', 'node1', 'c0ffee', '10.213.0.2')`, [L.ready]);
      await ds.query(
        `INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail, created_at) VALUES
         ($1, NULL, 'pending', 'api', NULL, $3), ($1, 'pending', 'provisioning', 'worker', NULL, $3), ($1, 'provisioning', 'ready', 'worker', NULL, $3),
         ($2, 'ready', 'stopping', 'expiry', '{"expiresAt":"2025-12-01T10:00:00.000Z"}', $3), ($2, 'stopping', 'stopped', 'worker', NULL, $3)`,
        [L.ready, L.stopped, AT],
      );
    },
  },

  Accounts1764900000000: {
    seed: async (ds) => {
      await ds.query(`INSERT INTO schools (id, name, slug, oidc_issuer, oidc_client_id, oidc_client_secret) VALUES ($1, 'Lycée A', 'lycee-a', 'https://id.lycee-a.example', 'labfleet', 's3cret')`, [S.a]);
      await ds.query(
        `INSERT INTO users (id, school_id, email, name, role, password_hash) VALUES
         ($1, NULL, 'root@example.test', 'Root', 'platform-admin', NULL), ($2, $4, 'teacher@lycee-a.example', 'Teacher', 'teacher', 'scrypt$16$8$1$salt$hash'),
         ($3, $4, 'student@lycee-a.example', 'Student', 'student', 'scrypt$16$8$1$salt$hash2')`,
        [U.root, U.teacher, U.student, S.a],
      );
      await ds.query(`INSERT INTO identities (user_id, issuer, subject) VALUES ($1, 'https://id.lycee-a.example', 'subject-1')`, [U.student]);
      await ds.query(
        `INSERT INTO courses (id, school_id, name, allowed_templates, max_concurrent_labs, labs_per_student, max_ttl_seconds, weekly_minutes_per_student)
         VALUES ($1, $2, 'Docker 101', '["docker"]', 30, 2, 7200, 600)`,
        [C.a, S.a],
      );
      await ds.query(`INSERT INTO memberships (course_id, user_id, role) VALUES ($1, $2, 'teacher'), ($1, $3, 'student')`, [C.a, U.teacher, U.student]);
      await ds.query(`INSERT INTO minute_grants (course_id, user_id, minutes, week_start, granted_by, reason) VALUES ($1, $2, 30, '2025-12-01T00:00:00Z', 'teacher@lycee-a.example', 'project')`, [C.a, U.student]);
      await ds.query(`INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, 'refresh-hash-1', '2025-12-31T00:00:00Z')`, [U.student, id(51)]);
      await ds.query(`INSERT INTO api_tokens (user_id, name, prefix, token_hash, last_used_at) VALUES ($1, 'grading', 'lf_pat_ab', 'api-hash-1', $2)`, [U.teacher, AT]);
      await ds.query(
        `INSERT INTO audit_events (school_id, actor_id, actor_label, action, target_type, target_id, detail, ip) VALUES ($1, $2, 'teacher@lycee-a.example', 'course.policy', 'course', $3, '{"labsPerStudent":2}', '127.0.0.1')`,
        [S.a, U.teacher, C.a],
      );
      await ds.query(`INSERT INTO labs (id, template_id, status, provider, created_at, ready_at, expires_at, school_id, course_id, owner_id) VALUES ($1, $2, 'ready', 'docker', $3, $3, $3::timestamptz + interval '1 h', $4, $5, $6)`, [
        L.owned,
        T.docker,
        AT,
        S.a,
        C.a,
        U.student,
      ]);
      await ds.query(`INSERT INTO lab_events (lab_id, from_status, to_status, actor, created_at) VALUES ($1, NULL, 'pending', 'student@lycee-a.example', $2)`, [L.owned, AT]);
    },
    upgraded: async (ds) => {
      // Labs made before accounts belong to the default school and course, and to nobody.
      await expectEvery(ds, `SELECT school_id, course_id, owner_id FROM labs`, { school_id: DEFAULT_SCHOOL_ID, course_id: DEFAULT_COURSE_ID, owner_id: null });
      expect(await ds.query(`SELECT slug, labs_per_student FROM schools s JOIN courses c ON c.school_id = s.id`)).toEqual([{ slug: 'default', labs_per_student: 1000 }]);
      await rejects(ds, `INSERT INTO users (school_id, email, name, role) VALUES ($1, 'x@example.test', 'X', 'platform-admin')`, [DEFAULT_SCHOOL_ID], /ck_users_school/);
    },
  },

  Pools1765000000000: {
    seed: async (ds) => {
      await ds.query(`INSERT INTO schools (id, name, slug, timezone) VALUES ($1, 'Collège B', 'college-b', 'Europe/Paris')`, [S.b]);
      await ds.query(`INSERT INTO users (id, school_id, email, name, role) VALUES ($1, $2, 'student@college-b.example', 'Student B', 'student')`, [U.studentB, S.b]);
      await ds.query(`INSERT INTO courses (id, school_id, name) VALUES ($1, $2, 'Réseaux')`, [C.b, S.b]);
      await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, reserved_cpus, reserved_memory_mb) VALUES ($1, 'k3s', 2, 4096, 1024, 3600, 0.25, 512)`, [T.k3s]);
      await ds.query(`INSERT INTO pools (template_id, min_idle, max_total, updated_by) VALUES ($1, 3, 10, 'root@example.test')`, [T.docker]);
      await ds.query(`INSERT INTO timetable_slots (course_id, template_id, weekday, start_minute, end_minute, expected_students) VALUES ($1, $2, 1, 480, 600, 25)`, [C.b, T.docker]);
      await ds.query(
        `INSERT INTO labs (id, template_id, status, provider, created_at, ready_at, expires_at, claimed_at, queued_at, school_id, course_id, owner_id) VALUES
         ($1, $4, 'ready', 'docker', $6, $6, $6::timestamptz + interval '6 h', NULL, NULL, NULL, NULL, NULL),
         ($2, $4, 'ready', 'docker', $6, $6, $6::timestamptz + interval '1 h', $6::timestamptz + interval '5 min', NULL, $7, $8, $9),
         ($3, $5, 'pending', 'docker', $6, NULL, $6::timestamptz + interval '1 h', NULL, $6, $7, $8, $9)`,
        [L.pool, L.claimed, L.queued, T.docker, T.k3s, AT, S.b, C.b, U.studentB],
      );
    },
    upgraded: async (ds) => {
      await expectEvery(ds, `SELECT timezone FROM schools`, { timezone: 'UTC' });
      await expectEvery(ds, `SELECT reserved_cpus::text AS cpus, reserved_memory_mb FROM templates`, { cpus: '0.050', reserved_memory_mb: 128 });
      await expectEvery(ds, `SELECT claimed_at, queued_at FROM labs`, { claimed_at: null, queued_at: null });
      await rejects(ds, `INSERT INTO timetable_slots (course_id, template_id, weekday, start_minute, end_minute, expected_students) VALUES ($1, $2, 8, 0, 60, 1)`, [DEFAULT_COURSE_ID, T.docker], /check constraint/);
    },
  },

  TemplateSetup1765100000000: {
    seed: async (ds) => {
      await ds.query(`INSERT INTO templates (id, name, nodes, cpus, memory_mb, pids_limit, ttl_seconds, setup) VALUES ($1, 'swarm-cluster', 3, 1, 1024, 512, 3600, $2)`, [
        T.cluster,
        JSON.stringify([{ node: 'node1', run: 'docker swarm init', capture: 'token' }]),
      ]);
    },
    upgraded: (ds) => expectEvery(ds, `SELECT setup FROM templates`, { setup: [] }),
  },

  LabPlacementWait1765200000000: {
    seed: async (ds) => {
      await ds.query(
        `INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, wait_reason, waiting_since, school_id, course_id, owner_id)
         VALUES ($1, $2, 'pending', 'swarm', $3, $3::timestamptz + interval '1 h', 'no suitable node (insufficient resources on 3 nodes)', $3, $4, $5, $6)`,
        [L.waiting, T.cluster, AT, S.a, C.a, U.student],
      );
    },
    upgraded: (ds) => expectEvery(ds, `SELECT wait_reason, waiting_since FROM labs`, { wait_reason: null, waiting_since: null }),
  },

  TemplateKubernetes1765300000000: {
    seed: async (ds) => {
      await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, kubernetes) VALUES ($1, 'kube-namespace', 1, 1024, 512, 3600, $2)`, [
        T.kube,
        JSON.stringify({ quota: { pods: '10', 'requests.cpu': '2' } }),
      ]);
    },
    upgraded: (ds) => expectEvery(ds, `SELECT kubernetes FROM templates`, { kubernetes: null }),
  },

  LabCountIndexes1765400000000: {
    upgraded: async (ds) => {
      const indexes: { indexdef: string; valid: boolean }[] = await ds.query(
        `SELECT pg_get_indexdef(i.indexrelid) AS indexdef, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname IN ('idx_labs_failed_ended_at', 'idx_labs_template_id_claimed_at') ORDER BY c.relname`,
      );
      expect(indexes).toEqual([
        { indexdef: expect.stringMatching(/ON public\.labs USING btree \(ended_at\) WHERE \(status = 'failed'::text\)$/), valid: true },
        { indexdef: expect.stringMatching(/ON public\.labs USING btree \(template_id, claimed_at\) WHERE \(claimed_at IS NOT NULL\)$/), valid: true },
      ]);
    },
  },

  TemplateScopes1765500000000: {
    seed: async (ds) => {
      await ds.query(
        `INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, images, scope, school_id, course_id, version, retired_at)
         VALUES ($1, 'wordpress', 1, 2048, 2048, 3600, '["mariadb:latest","wordpress:latest"]', 'course', $2, $3, 2, $4)`,
        [T.wordpress, S.a, C.a, AT],
      );
      await ds.query(`INSERT INTO template_versions (template_id, version, definition, created_at) VALUES ($1, 1, $2, $3)`, [T.wordpress, JSON.stringify({ description: 'v1', images: ['mariadb:latest'] }), AT]);
      await ds.query(
        `INSERT INTO labs (id, template_id, template_version, status, provider, created_at, expires_at, school_id, course_id, owner_id)
         VALUES ($1, $2, 1, 'ready', 'docker', $3, $3::timestamptz + interval '1 h', $4, $5, $6)`,
        [L.versioned, T.wordpress, AT, S.a, C.a, U.student],
      );
    },
    upgraded: async (ds) => {
      await expectEvery(ds, `SELECT scope, school_id, course_id, version, retired_at FROM templates`, { scope: 'global', school_id: null, course_id: null, version: 1, retired_at: null });
      await expectEvery(ds, `SELECT template_version FROM labs`, { template_version: 1 });
      expect(await ds.query(`SELECT * FROM template_versions`)).toEqual([]);
      // Names are now unique per namespace: a second school may have its own 'docker', a global one may not.
      await ds.query(`INSERT INTO templates (name, cpus, memory_mb, pids_limit, ttl_seconds, scope, school_id) VALUES ('docker', 1, 1024, 512, 3600, 'school', $1)`, [DEFAULT_SCHOOL_ID]);
      await rejects(ds, `INSERT INTO templates (name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES ('docker', 1, 1024, 512, 3600)`, [], /uq_templates_namespace_name/);
      await rejects(ds, `INSERT INTO templates (name, cpus, memory_mb, pids_limit, ttl_seconds, scope) VALUES ('orphan', 1, 1024, 512, 3600, 'course')`, [], /chk_templates_scope/);
      await ds.query(`DELETE FROM templates WHERE school_id = $1`, [DEFAULT_SCHOOL_ID]);
    },
  },
  Exercises1765600000000: {
    seed: async (ds) => {
      await ds.query(
        `INSERT INTO exercises (id, course_id, position, key, title, instructions, hints, template, check_node, check_script, check_timeout_seconds, solution)
         VALUES ($1, $2, 1, 'nginx-8080', 'Run nginx', 'Run *nginx*', '["docker run"]', NULL, 'node1', 'curl -s localhost:8080', 20, NULL)`,
        [E.nginx, C.a],
      );
      await ds.query(`INSERT INTO exercise_attempts (exercise_id, user_id, lab_id, passed, timed_out, exit_code, message, duration_ms) VALUES ($1, $2, $3, true, false, 0, 'ok', 120)`, [E.nginx, U.student, L.owned]);
      await ds.query(`INSERT INTO exercise_progress (exercise_id, user_id, attempts, last_attempt_at, first_passed_at) VALUES ($1, $2, 1, $3, $3)`, [E.nginx, U.student, AT]);
    },
    upgraded: async (ds) => {
      // New tables only: empty after an upgrade; one key per course; a course's exercises go with it.
      expect(await ds.query(`SELECT count(*)::int AS n FROM exercises`)).toEqual([{ n: 0 }]);
      await ds.query(`INSERT INTO exercises (course_id, position, key, title, instructions, check_script, check_timeout_seconds) VALUES ($1, 1, 'k', 't', 'i', 'true', 5)`, [DEFAULT_COURSE_ID]);
      await rejects(ds, `INSERT INTO exercises (course_id, position, key, title, instructions, check_script, check_timeout_seconds) VALUES ($1, 2, 'k', 't', 'i', 'true', 5)`, [DEFAULT_COURSE_ID], /uq_exercises_course_id_key/);
      await ds.query(`DELETE FROM exercises WHERE course_id = $1`, [DEFAULT_COURSE_ID]);
    },
  },
  RegistrySigningKey1765700000000: {
    // A new table: no key until the course registry first needs one, and at most one row.
    upgraded: async (ds) => {
      expect(await ds.query(`SELECT * FROM registry_signing_keys`)).toEqual([]);
      await expect(ds.query(`INSERT INTO registry_signing_keys (id, private_key_pem, certificate_pem) VALUES (2, 'k', 'c')`)).rejects.toThrow(/check constraint/);
    },
  },
  CourseIdleLimit1765800000000: {
    seed: async (ds) => {
      await ds.query(`UPDATE courses SET idle_limit_seconds = 1800 WHERE id = $1`, [C.a]);
    },
    // Courses made before it have no idle limit: nothing of theirs is stopped for idleness.
    upgraded: (ds) => expectEvery(ds, `SELECT idle_limit_seconds FROM courses`, { idle_limit_seconds: null }),
  },
  SchoolLabCaps1765900000000: {
    seed: async (ds) => {
      await ds.query(`UPDATE schools SET lab_max_nodes = 3, lab_max_cpus = 1.5, lab_max_memory_mb = 2048, lab_max_pids = 1024, lab_max_disk_mb = 8192, lab_max_ttl_seconds = 3600 WHERE id = $1`, [S.a]);
    },
    // Schools made before it have no caps of their own: only the platform's apply. A cap is never zero or less.
    upgraded: async (ds) => {
      await expectEvery(ds, `SELECT lab_max_nodes, lab_max_cpus, lab_max_memory_mb, lab_max_pids, lab_max_disk_mb, lab_max_ttl_seconds FROM schools`, {
        lab_max_nodes: null,
        lab_max_cpus: null,
        lab_max_memory_mb: null,
        lab_max_pids: null,
        lab_max_disk_mb: null,
        lab_max_ttl_seconds: null,
      });
      await rejects(ds, `UPDATE schools SET lab_max_cpus = 0`, [], /check constraint/);
    },
  },
  UsageIndexes1766000000000: {
    upgraded: async (ds) => {
      const indexes: { indexdef: string; valid: boolean }[] = await ds.query(
        `SELECT pg_get_indexdef(i.indexrelid) AS indexdef, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname IN ('idx_labs_course_id_created_at', 'idx_lab_events_lab_id_created_at', 'idx_lab_events_claims') ORDER BY c.relname`,
      );
      expect(indexes).toEqual([
        { indexdef: expect.stringMatching(/ON public\.lab_events USING btree \(lab_id, created_at\) WHERE \(\(detail ->> 'action'::text\) = 'claimed'::text\)$/), valid: true },
        { indexdef: expect.stringMatching(/ON public\.lab_events USING btree \(lab_id, created_at\) INCLUDE \(to_status\)$/), valid: true },
        { indexdef: expect.stringMatching(/ON public\.labs USING btree \(course_id, created_at\) INCLUDE \(ended_at, owner_id, id\)$/), valid: true },
      ]);
    },
  },
};
