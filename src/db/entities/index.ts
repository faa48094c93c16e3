import { AttributeDefinitionEntity } from './attribute-definition';
import { ContactEntity } from './contact';
import { CredentialEntity } from './credential';
import { CustomerEntity } from './customer';
import { CustomerRecordEntity } from './customer-record';
import { MergeRulesEntity } from './merge-rules';
import { SourceEntity } from './source';
import { WebhookInboxEntity } from './webhook-inbox';

export {
  AttributeDefinitionEntity,
  ContactEntity,
  CredentialEntity,
  CustomerEntity,
  CustomerRecordEntity,
  MergeRulesEntity,
  SourceEntity,
  WebhookInboxEntity,
};

export const entities = [
  SourceEntity,
  CredentialEntity,
  CustomerEntity,
  CustomerRecordEntity,
  ContactEntity,
  AttributeDefinitionEntity,
  MergeRulesEntity,
  WebhookInboxEntity,
];
