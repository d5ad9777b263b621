import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { PersonalityService } from './personality.service';
import {
  ContactPersonalityAnswerView,
  ContactPersonalityProfileView,
  PersonalityProfileView,
  PersonalityTagBody,
  QuestionnaireAnswersBody,
  QuestionnaireAnswerView,
  QuestionnaireView,
} from './personality.views';

const INVALID = 'invalid_personality: details lists each refused field as { path, message }';
const ERASED = 'customer_erased: the customer was erased, so no personal data is recorded';
const SCOPE =
  "Scoped like GET /v1/customers/{id}: reps their own customers, managers their team's and unowned ones, admins " +
  'the workspace; anything else is 404.';

@ApiTags('personality')
@ApiBearerAuth()
@Controller('v1')
export class PersonalityController {
  constructor(private readonly personality: PersonalityService) {}

  @Get('personality/questionnaire')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: 'The personality questionnaire',
    description: 'Observations a rep answers about a customer, in en and zh-CN, with their answer options.',
  })
  @ApiOkResponse({ schema: QuestionnaireView })
  questionnaire() {
    return this.personality.questionnaire();
  }

  @Get('customers/:id/personality')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: "A customer's personality profile and its history",
    description:
      'The primary type and the dimensions social, decision, communication and values, each with its source, ' +
      "confidence (decayed to now), who and when; then every observation, newest first. A person's statement " +
      '(rep_tag, questionnaire) beats a guess (crm_import, inferred). ' +
      SCOPE,
  })
  @ApiOkResponse({ schema: PersonalityProfileView })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.personality.profile(p, id);
  }

  @Put('customers/:id/personality')
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Set or confirm personality values',
    description:
      "Records the caller's statement (source rep_tag) for each dimension named; the same value again confirms it " +
      '(its confidence starts afresh). A stated type becomes the effective type. ' +
      SCOPE,
  })
  @ApiBody({ schema: PersonalityTagBody })
  @ApiOkResponse({ schema: PersonalityProfileView })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiConflictResponse({ description: ERASED })
  // The service's parser validates this body (field paths in 422); the global ValidationPipe leaves plain objects alone.
  put(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    return this.personality.tag(p, id, body);
  }

  @Post('customers/:id/personality/questionnaire')
  @HttpCode(201)
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Answer the questionnaire for a customer',
    description:
      'Scores the answers (type and dimensions with confidences; docs/architecture.md "Personality") and records ' +
      'them as source questionnaire. ' +
      SCOPE,
  })
  @ApiBody({ schema: QuestionnaireAnswersBody })
  @ApiCreatedResponse({ schema: QuestionnaireAnswerView })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiConflictResponse({ description: ERASED })
  answer(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    return this.personality.answer(p, id, body);
  }

  // ---- contact persons of a business customer ----

  @Get('customers/:id/contacts/personality')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: "The contact persons of a customer with each one's own personality profile",
    description:
      "Primary contact first. A contact's profile comes from statements about that person only; the customer's " +
      'own profile is GET /v1/customers/{id}/personality. ' +
      SCOPE,
  })
  @ApiOkResponse({ schema: { type: 'array', items: ContactPersonalityProfileView } })
  contacts(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.personality.contactProfiles(p, id);
  }

  @Get('customers/:id/contacts/:contactId/personality')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: "A contact person's personality profile and its history",
    description: 'As for the customer, from statements about this person. ' + SCOPE,
  })
  @ApiOkResponse({ schema: ContactPersonalityProfileView })
  getContact(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('contactId') contactId: string,
  ) {
    return this.personality.contactProfile(p, id, contactId);
  }

  @Put('customers/:id/contacts/:contactId/personality')
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: "Set or confirm a contact person's personality values",
    description:
      "Records the caller's statement (source rep_tag) about this person; the customer's own profile and type " +
      "are not changed. The primary contact's type is the one published talk tracks address. " +
      SCOPE,
  })
  @ApiBody({ schema: PersonalityTagBody })
  @ApiOkResponse({ schema: ContactPersonalityProfileView })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiConflictResponse({ description: ERASED })
  putContact(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('contactId') contactId: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.personality.tagContact(p, id, contactId, body);
  }

  @Post('customers/:id/contacts/:contactId/personality/questionnaire')
  @HttpCode(201)
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Answer the questionnaire about a contact person',
    description:
      'Scored as for the customer and recorded as source questionnaire about this person. ' + SCOPE,
  })
  @ApiBody({ schema: QuestionnaireAnswersBody })
  @ApiCreatedResponse({ schema: ContactPersonalityAnswerView })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiConflictResponse({ description: ERASED })
  answerContact(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('contactId') contactId: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.personality.answerContact(p, id, contactId, body);
  }
}
