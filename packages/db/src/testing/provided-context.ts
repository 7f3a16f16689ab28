// What global-setup.ts provides to the test workers; imported by both sides so every tsconfig sees it.
declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database shared by the whole run (also exported as DATABASE_URL to the workers). */
    databaseUrl: string;
    /** URL with CREATE DATABASE rights on the same server, for per-file databases. */
    postgresAdminUrl: string;
    /** Name of the migrated template database to clone. */
    templateDatabase: string;
  }
}

export {};
