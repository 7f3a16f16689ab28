-- CreateEnum
CREATE TYPE "AgentOperationKind" AS ENUM ('INSTALL', 'UPGRADE', 'REMOVE');

-- CreateEnum
CREATE TYPE "AgentOperationStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "SshHostKey" (
    "id" UUID NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "algorithm" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "trustedBy" TEXT NOT NULL,
    "trustedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SshHostKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentOperation" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "nodeId" UUID,
    "nodeName" TEXT NOT NULL,
    "kind" "AgentOperationKind" NOT NULL,
    "status" "AgentOperationStatus" NOT NULL DEFAULT 'RUNNING',
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "username" TEXT NOT NULL,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "errorCode" TEXT,
    "error" TEXT,
    "agentVersion" TEXT,
    "startedBy" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AgentOperation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SshHostKey_host_port_key" ON "SshHostKey"("host", "port");

-- CreateIndex
CREATE INDEX "AgentOperation_nodeId_startedAt_idx" ON "AgentOperation"("nodeId", "startedAt");

-- CreateIndex
CREATE INDEX "AgentOperation_clusterId_startedAt_idx" ON "AgentOperation"("clusterId", "startedAt");

-- AddForeignKey
ALTER TABLE "AgentOperation" ADD CONSTRAINT "AgentOperation_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentOperation" ADD CONSTRAINT "AgentOperation_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;
