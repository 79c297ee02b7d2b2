import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { Role } from '@labfleet/contracts';

export class LoginDto {
  @ApiProperty({ example: 'ana@school.example' }) @IsEmail({}, { message: 'email must be an email address' }) email!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(1024) password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the last refresh' }) @IsString() @MinLength(1) @MaxLength(200) refreshToken!: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(1024) currentPassword!: string;
  @ApiProperty({ minLength: 10 }) @IsString() @MaxLength(1024) newPassword!: string;
}

export class OidcStartQuery {
  @ApiPropertyOptional({ description: 'Path on this site to return to after login, with a one-time login_code in the URL fragment (POST it to /auth/oidc/redeem for the tokens)' })
  @IsOptional() @IsString() @MaxLength(2000) returnTo?: string;
}

export class OidcRedeemDto {
  @ApiProperty({ description: 'The login_code from the fragment of the redirect after an OpenID Connect login; works once, for 60 s' })
  @IsString() @MinLength(1) @MaxLength(200) code!: string;
}

class SessionUserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) schoolId!: string | null;
}

export class SessionView {
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Seconds' }) expiresIn!: number;
  @ApiProperty() refreshToken!: string;
  @ApiProperty({ description: 'Seconds' }) refreshExpiresIn!: number;
  @ApiProperty({ type: SessionUserView }) user!: SessionUserView;
}
