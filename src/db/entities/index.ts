import { AttributeDefinitionEntity } from './attribute-definition';
import { CredentialEntity } from './credential';
import { SourceEntity } from './source';

export { AttributeDefinitionEntity, CredentialEntity, SourceEntity };

/**
 * The tables the repositories read and write through TypeORM's entity API (simple reads and updates). The other
 * tables are written with set-based SQL (bulk upserts, merges) in their repositories; the schema itself is the
 * hand-written migrations' (constraints, partial indexes and SQL functions no entity describes).
 */
export const entities = [SourceEntity, CredentialEntity, AttributeDefinitionEntity];
