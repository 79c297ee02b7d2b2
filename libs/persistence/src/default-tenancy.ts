/** The school and course that labs made before accounts existed belong to (created by a migration). */
export const DEFAULT_SCHOOL_ID = '00000000-0000-4000-8000-000000000001';
export const DEFAULT_COURSE_ID = '00000000-0000-4000-8000-000000000002';
