{{/* The release's full name, used for the operator's objects. */}}
{{- define "askr.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object of the chart. */}}
{{- define "askr.labels" -}}
app.kubernetes.io/name: askr
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels that select the operator's pods (immutable in the Deployment). */}}
{{- define "askr.selectorLabels" -}}
app.kubernetes.io/name: askr
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "askr.serviceAccountName" -}}
{{- default (include "askr.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "askr.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{- define "askr.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) -}}
{{- end -}}

{{/*
The operator's permissions on AskrApps and their children, least privilege:
it reads and writes exactly what reconcile and scaling touch. Shared by the
ClusterRole and the namespaced Role.
*/}}
{{- define "askr.operatorRules" -}}
- apiGroups: ["askr.dev"]
  resources: ["askrapps"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["askr.dev"]
  resources: ["askrapps/status"]
  verbs: ["get", "patch", "update"]
# Children carry blockOwnerDeletion owner references, which the
# OwnerReferencesPermissionEnforcement admission plugin allows only with this.
- apiGroups: ["askr.dev"]
  resources: ["askrapps/finalizers"]
  verbs: ["update"]
# Server-side apply is a PATCH that creates the object when it is missing.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# Pods are read to scrape ready ones; their admin ports are reached on the pod IP.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# Only each app's admin Secret: created once, read for the admin token. No list or watch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}
