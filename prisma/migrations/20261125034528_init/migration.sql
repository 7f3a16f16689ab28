-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('VIEWER', 'OPERATOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "NodeRole" AS ENUM ('DIRECTOR', 'REAL_SERVER');

-- CreateEnum
CREATE TYPE "AgentStatus" AS ENUM ('NEVER_CONNECTED', 'CONNECTED', 'DISCONNECTED');

-- CreateEnum
CREATE TYPE "ServiceProtocol" AS ENUM ('TCP', 'UDP', 'FWMARK');

-- CreateEnum
CREATE TYPE "Scheduler" AS ENUM ('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos');

-- CreateEnum
CREATE TYPE "ForwardingMethod" AS ENUM ('DR', 'TUN', 'NAT');

-- CreateEnum
CREATE TYPE "AdminState" AS ENUM ('READY', 'DRAINING', 'DRAINED', 'MAINT');

-- CreateEnum
CREATE TYPE "Health" AS ENUM ('UP', 'DOWN', 'UNKNOWN');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL DEFAULT '',
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'VIEWER',
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userAgent" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cluster" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "generation" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "NodeRole" NOT NULL,
    "managementAddress" TEXT NOT NULL,
    "tokenHash" TEXT,
    "tokenCreatedAt" TIMESTAMP(3),
    "agentStatus" "AgentStatus" NOT NULL DEFAULT 'NEVER_CONNECTED',
    "agentVersion" TEXT,
    "lastSeenAt" TIMESTAMP(3),
    "appliedGeneration" INTEGER,
    "lastApplyError" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HaPair" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "interface" TEXT NOT NULL,
    "virtualRouterId" INTEGER NOT NULL,
    "advertInterval" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "authSecret" TEXT,
    "primaryNodeId" UUID NOT NULL,
    "primaryPriority" INTEGER NOT NULL DEFAULT 150,
    "secondaryNodeId" UUID,
    "secondaryPriority" INTEGER NOT NULL DEFAULT 100,
    "primaryUnicastIp" TEXT,
    "secondaryUnicastIp" TEXT,
    "vips" TEXT[],
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HaPair_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualService" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "haPairId" UUID NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "protocol" "ServiceProtocol" NOT NULL,
    "address" TEXT,
    "port" INTEGER,
    "fwmark" BIGINT,
    "serviceKey" TEXT NOT NULL,
    "scheduler" "Scheduler" NOT NULL DEFAULT 'wrr',
    "schedulerFlags" TEXT[],
    "persistenceTimeout" INTEGER NOT NULL DEFAULT 0,
    "persistenceNetmask" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VirtualService_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RealServer" (
    "id" UUID NOT NULL,
    "virtualServiceId" UUID NOT NULL,
    "nodeId" UUID,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 1,
    "forwarding" "ForwardingMethod" NOT NULL DEFAULT 'DR',
    "adminState" "AdminState" NOT NULL DEFAULT 'READY',
    "health" "Health" NOT NULL DEFAULT 'UNKNOWN',
    "upperThreshold" INTEGER,
    "lowerThreshold" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RealServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "clusterId" UUID,
    "actorId" UUID,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "objectId" TEXT,
    "summary" TEXT NOT NULL DEFAULT '',
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_key" ON "Cluster"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Node_tokenHash_key" ON "Node"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Node_clusterId_name_key" ON "Node"("clusterId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "HaPair_clusterId_name_key" ON "HaPair"("clusterId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "HaPair_clusterId_interface_virtualRouterId_key" ON "HaPair"("clusterId", "interface", "virtualRouterId");

-- CreateIndex
CREATE INDEX "VirtualService_haPairId_idx" ON "VirtualService"("haPairId");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualService_clusterId_serviceKey_key" ON "VirtualService"("clusterId", "serviceKey");

-- CreateIndex
CREATE UNIQUE INDEX "RealServer_virtualServiceId_address_port_key" ON "RealServer"("virtualServiceId", "address", "port");

-- CreateIndex
CREATE INDEX "AuditEvent_clusterId_createdAt_idx" ON "AuditEvent"("clusterId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Node" ADD CONSTRAINT "Node_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HaPair" ADD CONSTRAINT "HaPair_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HaPair" ADD CONSTRAINT "HaPair_primaryNodeId_fkey" FOREIGN KEY ("primaryNodeId") REFERENCES "Node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HaPair" ADD CONSTRAINT "HaPair_secondaryNodeId_fkey" FOREIGN KEY ("secondaryNodeId") REFERENCES "Node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualService" ADD CONSTRAINT "VirtualService_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualService" ADD CONSTRAINT "VirtualService_haPairId_fkey" FOREIGN KEY ("haPairId") REFERENCES "HaPair"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RealServer" ADD CONSTRAINT "RealServer_virtualServiceId_fkey" FOREIGN KEY ("virtualServiceId") REFERENCES "VirtualService"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RealServer" ADD CONSTRAINT "RealServer_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

