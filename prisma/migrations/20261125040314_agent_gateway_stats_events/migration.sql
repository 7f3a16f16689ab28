-- CreateEnum
CREATE TYPE "HealthCheckKind" AS ENUM ('NONE', 'TCP', 'HTTP');

-- CreateEnum
CREATE TYPE "NodeEventKind" AS ENUM ('VRRP', 'HEALTH', 'AGENT', 'DRIFT', 'APPLY');

-- CreateEnum
CREATE TYPE "EventSeverity" AS ENUM ('INFO', 'WARNING', 'ERROR');

-- CreateEnum
CREATE TYPE "VrrpState" AS ENUM ('MASTER', 'BACKUP', 'FAULT', 'STOP', 'UNKNOWN');

-- AlterTable
ALTER TABLE "HaPair" ADD COLUMN     "natGatewayIp" TEXT;

-- AlterTable
ALTER TABLE "VirtualService" ADD COLUMN     "healthCheckFall" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "healthCheckHttpExpectStatus" INTEGER NOT NULL DEFAULT 200,
ADD COLUMN     "healthCheckHttpPath" TEXT NOT NULL DEFAULT '/',
ADD COLUMN     "healthCheckIntervalMs" INTEGER NOT NULL DEFAULT 2000,
ADD COLUMN     "healthCheckKind" "HealthCheckKind" NOT NULL DEFAULT 'NONE',
ADD COLUMN     "healthCheckRise" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "healthCheckTimeoutMs" INTEGER NOT NULL DEFAULT 1000;

-- CreateTable
CREATE TABLE "NodeEvent" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "kind" "NodeEventKind" NOT NULL,
    "severity" "EventSeverity" NOT NULL DEFAULT 'INFO',
    "message" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NodeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeVrrpState" (
    "nodeId" UUID NOT NULL,
    "instance" TEXT NOT NULL,
    "state" "VrrpState" NOT NULL,
    "priority" INTEGER,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NodeVrrpState_pkey" PRIMARY KEY ("nodeId","instance")
);

-- CreateTable
CREATE TABLE "NodeDrift" (
    "nodeId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "detectedAt" TIMESTAMP(3) NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "items" JSONB NOT NULL,

    CONSTRAINT "NodeDrift_pkey" PRIMARY KEY ("nodeId")
);

-- CreateTable
CREATE TABLE "StatSample" (
    "nodeId" UUID NOT NULL,
    "serviceKey" TEXT NOT NULL,
    "destinationKey" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "samples" INTEGER NOT NULL,
    "activeConnAvg" DOUBLE PRECISION NOT NULL,
    "activeConnMax" INTEGER NOT NULL,
    "inactConnAvg" DOUBLE PRECISION NOT NULL,
    "inactConnMax" INTEGER NOT NULL,
    "connsPerSecAvg" DOUBLE PRECISION NOT NULL,
    "connsPerSecMax" DOUBLE PRECISION NOT NULL,
    "packetsInPerSecAvg" DOUBLE PRECISION NOT NULL,
    "packetsOutPerSecAvg" DOUBLE PRECISION NOT NULL,
    "bytesInPerSecAvg" DOUBLE PRECISION NOT NULL,
    "bytesOutPerSecAvg" DOUBLE PRECISION NOT NULL,
    "bytesInPerSecMax" DOUBLE PRECISION NOT NULL,
    "bytesOutPerSecMax" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "StatSample_pkey" PRIMARY KEY ("nodeId","serviceKey","destinationKey","bucketStart")
);

-- CreateIndex
CREATE INDEX "NodeEvent_clusterId_at_idx" ON "NodeEvent"("clusterId", "at");

-- CreateIndex
CREATE INDEX "NodeEvent_nodeId_at_idx" ON "NodeEvent"("nodeId", "at");

-- CreateIndex
CREATE INDEX "StatSample_bucketStart_idx" ON "StatSample"("bucketStart");

-- AddForeignKey
ALTER TABLE "NodeEvent" ADD CONSTRAINT "NodeEvent_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeEvent" ADD CONSTRAINT "NodeEvent_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeVrrpState" ADD CONSTRAINT "NodeVrrpState_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeDrift" ADD CONSTRAINT "NodeDrift_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatSample" ADD CONSTRAINT "StatSample_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
