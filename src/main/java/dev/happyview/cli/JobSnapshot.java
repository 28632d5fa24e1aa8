package dev.happyview.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.time.Instant;
import java.util.UUID;

/** The fields of a backfill job (GET /admin/backfill/{id} or /status) the command line shows. */
record JobSnapshot(
        UUID id,
        String collection,
        String did,
        String status,
        String stage,
        int totalRepos,
        int processedRepos,
        int failedRepos,
        int skippedRepos,
        long totalRecords,
        double recordsPerSecond,
        Long etaSeconds,
        String error,
        Instant startedAt,
        Instant completedAt,
        Instant createdAt) {

    static JobSnapshot of(JsonNode json) {
        try {
            return Json.MAPPER.treeToValue(json, JobSnapshot.class);
        } catch (JsonProcessingException e) {
            throw new CliException("unexpected job JSON from the server: " + e.getOriginalMessage());
        }
    }

    boolean ended() {
        return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }
}
