-- CreateEnum
CREATE TYPE "DrainState" AS ENUM ('RUNNING', 'DRAINED', 'TIMED_OUT', 'FORCED');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "preventPortReuseLeaks" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "HaPair" ADD COLUMN     "preventPortReuseLeaks" BOOLEAN;

-- CreateTable
CREATE TABLE "DrainJob" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "realServerId" UUID NOT NULL,
    "previousWeight" INTEGER NOT NULL,
    "expirePersistence" BOOLEAN NOT NULL,
    "requireInactiveZero" BOOLEAN NOT NULL,
    "activeThreshold" INTEGER NOT NULL,
    "deadlineAt" TIMESTAMP(3) NOT NULL,
    "state" "DrainState" NOT NULL DEFAULT 'RUNNING',
    "activeConn" INTEGER NOT NULL DEFAULT 0,
    "inactConn" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL DEFAULT '',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedById" UUID,
    "startedBy" TEXT NOT NULL,
    "endedAt" TIMESTAMP(3),
    "restoredAt" TIMESTAMP(3),

    CONSTRAINT "DrainJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DrainJob_clusterId_startedAt_idx" ON "DrainJob"("clusterId", "startedAt");

-- CreateIndex
CREATE INDEX "DrainJob_state_idx" ON "DrainJob"("state");

-- CreateIndex
CREATE INDEX "DrainJob_realServerId_idx" ON "DrainJob"("realServerId");

-- AddForeignKey
ALTER TABLE "DrainJob" ADD CONSTRAINT "DrainJob_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DrainJob" ADD CONSTRAINT "DrainJob_realServerId_fkey" FOREIGN KEY ("realServerId") REFERENCES "RealServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
