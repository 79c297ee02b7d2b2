/** An account's role. Platform admins belong to no school; the others belong to exactly one. */
export enum Role {
  PlatformAdmin = 'platform-admin',
  SchoolAdmin = 'school-admin',
  Teacher = 'teacher',
  Student = 'student',
}

/** What someone is in one course: who teaches it and who takes it. */
export enum CourseRole {
  Teacher = 'teacher',
  Student = 'student',
}
