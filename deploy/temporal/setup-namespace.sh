#!/bin/sh
# Creates the namespace and the search attributes Retainer Desk writes (run by temporalio/admin-tools).
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1 || temporal operator namespace create --namespace "$ns" --retention 30d
for attr in RequestStage:Keyword ClientId:Keyword ManagerId:Keyword Priority:Keyword Assignees:KeywordList RequestDeadline:Datetime Overdue:Bool NeedsAttention:Bool RequestKey:Keyword; do
  temporal operator search-attribute create --namespace "$ns" --name "${attr%%:*}" --type "${attr#*:}" || true
done
