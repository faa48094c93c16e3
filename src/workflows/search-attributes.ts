import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Make sources findable and filterable in the Temporal Web UI (`SourceStatus = "live"`). */
export const SourceIdAttribute = defineSearchAttributeKey('SourceId', SearchAttributeType.KEYWORD);
export const SourceStatusAttribute = defineSearchAttributeKey('SourceStatus', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTE_NAMES = ['SourceId', 'SourceStatus'];
